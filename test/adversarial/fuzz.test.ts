// Properties over generated input for the three places every hostile byte meets: the JSON-RPC
// entry (what any body does to the endpoint), the policy evaluator (what any call does to a
// decision) and the redactor (what any text or value keeps). A short run is part of `npm test`;
// `npm run fuzz` runs each far longer (FUZZ_RUNS). The smuggling property lives in smuggling.test.ts.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gatekeeper, type ToolCall } from '../../src/main/core/gatekeeper';
import { RateLimiter } from '../../src/main/core/limits/rate-limiter';
import { parsePolicy, PolicyRegistry } from '../../src/main/core/policy';
import { createRedactor } from '../../src/main/core/redaction/redactor';
import { FakeClock, MemoryCounterStore } from '../main/core/fakes';
import { fuzzRuns } from '../helpers/fuzz-runs';
import { startHostileAirlock, type HostileAirlock } from '../helpers/hostile-upstream';
import { messagesOf, RawMcpSession } from '../helpers/raw-mcp';

const TOOLS = ['provision_api_key', 'echo', 'get_service_status', 'ask_human'];
const ACTIONS = ['allow', 'deny', 'require_approval'] as const;

describe('the JSON-RPC entry', () => {
  let airlock: HostileAirlock;
  let session: RawMcpSession;

  beforeAll(async () => {
    airlock = await startHostileAirlock({
      policy: { version: '1', default: 'deny', tools: { echo: { action: 'allow' } } },
    });
    session = await RawMcpSession.open(airlock.endpoint, airlock.token);
  });

  afterAll(async () => {
    await session?.close();
    await airlock?.close();
  });

  const body = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    fc
      .record({
        id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.boolean()),
        method: fc.oneof(
          fc.constantFrom(
            'tools/call',
            'tools/list',
            'ping',
            'initialize',
            'notifications/cancelled',
          ),
          fc.string({ maxLength: 12 }),
        ),
        params: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined)),
      })
      .map((message) => JSON.stringify({ jsonrpc: '2.0', ...message })),
  );

  it('answers any body with a well-formed reply, and stays up', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const response = await session.post(text, { timeoutMs: 5000 });
        expect([200, 202, 400, 404]).toContain(response.status);
        if (response.status !== 202) {
          for (const message of messagesOf(response)) expect(message.jsonrpc).toBe('2.0');
        }
      }),
      { numRuns: fuzzRuns(150) },
    );
    expect((await session.request('ping')).result).toEqual({});
    expect(airlock.toolCallsUpstream().every((tool) => tool === 'echo')).toBe(true);
  });
});

describe('the policy evaluator', () => {
  const rule = fc.record(
    {
      action: fc.constantFrom(...ACTIONS),
      limits: fc.array(
        fc.record({
          counter: fc.constantFrom('a', 'b'),
          window: fc.constantFrom('second', 'minute', 10, '90s'),
          max: fc.integer({ min: 1, max: 5 }),
          scope: fc.constantFrom('grant', 'session', 'global'),
        }),
        { maxLength: 2 },
      ),
      args: fc.constantFrom(
        { type: 'object', required: ['email'] },
        { type: 'object', properties: { n: { type: 'number', maximum: 10 } } },
        { type: 'object', additionalProperties: false },
      ),
    },
    { requiredKeys: [] },
  );
  const policy = fc.record({
    version: fc.constant('1'),
    default: fc.constantFrom(...ACTIONS),
    tools: fc.dictionary(fc.constantFrom(...TOOLS), rule, { maxKeys: 3 }),
  });
  const call = fc.record({
    server: fc.constant('s'),
    grant: fc.constantFrom('alice', 'bob'),
    session: fc.constantFrom('s1', 's2'),
    tool: fc.oneof(fc.constantFrom(...TOOLS), fc.string({ maxLength: 10 })),
    args: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), {
      maxKeys: 4,
    }),
  });

  function gatekeeperFor(value: unknown) {
    const clock = new FakeClock();
    const policies = new PolicyRegistry({ clock });
    const loaded = policies.load('s', JSON.stringify(value));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const limiter = new RateLimiter(new MemoryCounterStore(), clock);
    return { clock, gatekeeper: new Gatekeeper({ policies, limiter, clock }) };
  }

  it('parses any text to a policy or to problems, never throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)),
          policy.map((value) => JSON.stringify(value)),
        ),
        (text) => {
          const result = parsePolicy(text);
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('decides every call with a rule and a reason, and runs nothing the policy refuses', () => {
    fc.assert(
      fc.property(policy, fc.array(call, { minLength: 1, maxLength: 20 }), (value, calls) => {
        const { gatekeeper } = gatekeeperFor(value);
        for (const toolCall of calls as ToolCall[]) {
          const decision = gatekeeper.decide(toolCall);
          expect(ACTIONS).toContain(decision.action);
          expect(typeof decision.reason).toBe('string');
          const listed = Object.hasOwn(value.tools, toolCall.tool)
            ? value.tools[toolCall.tool]
            : undefined;
          const action = listed === undefined ? value.default : (listed.action ?? 'allow');
          // A refusal in the policy is never turned into anything else.
          if (action === 'deny') expect(decision.action).toBe('deny');
          if (action === 'require_approval') expect(decision.action).not.toBe('allow');
        }
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('never lets more than max calls into any one window', () => {
    const steps = fc.array(fc.integer({ min: 0, max: 4000 }), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), steps, (max, gaps) => {
        const { clock, gatekeeper } = gatekeeperFor({
          version: '1',
          default: 'deny',
          tools: { echo: { limits: [{ counter: 'c', window: 10, max, scope: 'global' }] } },
        });
        const allowed: number[] = [];
        for (const gap of gaps) {
          clock.advance(gap);
          const decision = gatekeeper.decide({
            server: 's',
            grant: 'alice',
            session: 's1',
            tool: 'echo',
            args: {},
          });
          if (decision.action === 'allow') allowed.push(clock.now());
        }
        for (const at of allowed) {
          expect(allowed.filter((t) => t > at - 10_000 && t <= at).length).toBeLessThanOrEqual(max);
        }
      }),
      { numRuns: fuzzRuns(300) },
    );
  });
});

describe('the redactor', () => {
  const redactor = createRedactor();
  const KEY = 'hitl_' + 'Ab3-_x'.repeat(6) + 'Zz9Q';
  /** Text on either side of a key, ending in a character no token can continue with. */
  const side = fc.string({ maxLength: 30 }).map((text) => text + ' ');

  it('removes a key wherever it sits in a text', () => {
    fc.assert(
      fc.property(side, side, (before, after) => {
        const out = redactor.text(before + KEY + ' ' + after);
        expect(out).not.toContain(KEY);
        expect(out).not.toContain(KEY.slice(5, 25));
      }),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('hides every string under a secret-looking name, at any depth', () => {
    const secretName = fc.constantFrom('api_key', 'Authorization', 'password', 'x-token', 'SECRET');
    fc.assert(
      fc.property(
        secretName,
        fc.string({ maxLength: 20 }).map((text) => `pw<${text}>`),
        fc.jsonValue({ maxDepth: 3 }),
        (name, secret, other) => {
          const value = { other, nested: [{ [name]: { deeper: secret } }] };
          const out = JSON.stringify(redactor.value(value));
          expect(out).not.toContain(JSON.stringify(secret).slice(1, -1));
        },
      ),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('never throws, and redacting twice changes nothing more', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const once = redactor.value(value);
        expect(redactor.value(once)).toEqual(once);
      }),
      { numRuns: fuzzRuns(500) },
    );
  });
});
