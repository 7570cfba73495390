import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Gatekeeper, refusalText, type ToolCall } from '../../../src/main/core/gatekeeper';
import { RateLimiter } from '../../../src/main/core/limits/rate-limiter';
import { PolicyRegistry } from '../../../src/main/core/policy';
import { FakeClock, MemoryCounterStore } from './fakes';

const SEED = readFileSync(new URL('../../fixtures/seed-policy.json', import.meta.url), 'utf8');
const MINUTE = 60_000;

function setup(policy: unknown | string = SEED, server = 'meatspace') {
  const clock = new FakeClock();
  const store = new MemoryCounterStore();
  const policies = new PolicyRegistry({ clock });
  const text = typeof policy === 'string' ? policy : JSON.stringify(policy);
  const loaded = policies.load(server, text);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const limiter = new RateLimiter(store, clock);
  const gatekeeper = new Gatekeeper({ policies, limiter, clock });
  return { clock, store, policies, limiter, gatekeeper };
}

function call(overrides: Partial<ToolCall> = {}): ToolCall {
  return {
    server: 'meatspace',
    grant: 'alice',
    session: 's1',
    tool: 'provision_api_key',
    args: { name: 'agent key', email: 'a@example.com' },
    ...overrides,
  };
}

describe('the seed policy, as its README describes it', () => {
  it('allows 30 provision_api_key calls per minute per grant and refuses the 31st with retry-after', () => {
    const { clock, gatekeeper } = setup();
    for (let i = 0; i < 30; i++) {
      expect(gatekeeper.decide(call())).toMatchObject({
        action: 'allow',
        rule: '/tools/provision_api_key',
      });
      clock.advance(1_000);
    }
    // 30 s after the first call: it leaves the window in 30 s.
    const refused = gatekeeper.decide(call());
    expect(refused).toMatchObject({
      action: 'deny',
      rule: '/tools/provision_api_key/limits/0',
      reason:
        'rate limit "provision_api_key_rate" allows 30 calls per minute per grant; retry in 30 s',
      retryAfterMs: 30_000,
    });
    clock.advance(30_000);
    expect(gatekeeper.decide(call()).action).toBe('allow');
  });

  it('gives each grant its own 30', () => {
    const { gatekeeper } = setup();
    for (let i = 0; i < 30; i++) expect(gatekeeper.decide(call()).action).toBe('allow');
    expect(gatekeeper.decide(call()).action).toBe('deny');
    for (let i = 0; i < 30; i++) {
      expect(gatekeeper.decide(call({ grant: 'bob', session: 's2' })).action).toBe('allow');
    }
    expect(gatekeeper.decide(call({ grant: 'bob', session: 's2' })).action).toBe('deny');
  });

  it("keeps a separate budget per upstream server (each server's policy owns its counters)", () => {
    const { gatekeeper, policies } = setup();
    policies.load('meatspace-stdio', SEED);
    for (let i = 0; i < 30; i++) gatekeeper.decide(call());
    expect(gatekeeper.decide(call()).action).toBe('deny');
    expect(gatekeeper.decide(call({ server: 'meatspace-stdio' })).action).toBe('allow');
  });

  it('counts every session of a grant together', () => {
    const { gatekeeper } = setup();
    for (let i = 0; i < 30; i++) gatekeeper.decide(call({ session: `s${i}` }));
    expect(gatekeeper.decide(call({ session: 'fresh' })).action).toBe('deny');
  });

  it.each(['ask_human', 'get_service_status', 'anything_else'])(
    'refuses the unlisted tool %s and hides it from tools/list',
    (tool) => {
      const { gatekeeper } = setup();
      const decision = gatekeeper.decide(call({ tool, args: {} }));
      expect(decision).toMatchObject({
        action: 'deny',
        rule: '/default',
        reason: `tool "${tool}" is not allowed by the policy`,
      });
      expect(gatekeeper.isToolVisible('meatspace', 'alice', tool)).toBe(false);
      expect(refusalText(decision, tool)).toBe(
        `Airlock refused "${tool}": tool "${tool}" is not allowed by the policy (rule /default).`,
      );
    },
  );

  it('shows provision_api_key in tools/list', () => {
    expect(setup().gatekeeper.isToolVisible('meatspace', 'alice', 'provision_api_key')).toBe(true);
  });

  it('tags every decision with the policy in force', () => {
    const { gatekeeper, policies } = setup();
    const hash = policies.get('meatspace').policy?.version.hash;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(gatekeeper.decide(call()).policyHash).toBe(hash);
    expect(gatekeeper.decide(call({ tool: 'ask_human' })).policyHash).toBe(hash);
  });
});

describe('refusal text for a rate limit', () => {
  it('says what the limit is, when to retry, and the absolute time', () => {
    const { clock, gatekeeper } = setup();
    for (let i = 0; i < 30; i++) gatekeeper.decide(call());
    clock.advance(43_000);
    const decision = gatekeeper.decide(call());
    expect(decision.retryAfterMs).toBe(17_000);
    expect(refusalText(decision, 'provision_api_key')).toBe(
      'Airlock refused "provision_api_key": rate limit "provision_api_key_rate" allows 30 calls per minute per grant; retry in 17 s (after 2026-11-26T05:12:00Z).',
    );
  });
});

describe('without a policy', () => {
  it('refuses every call to a server that has no policy, saying where to put one', () => {
    const { gatekeeper } = setup();
    const decision = gatekeeper.decide(call({ server: 'github' }));
    expect(decision).toMatchObject({ action: 'deny', rule: '' });
    expect(decision.reason).toContain('no policy is loaded for server "github"');
    expect(decision.reason).toContain('policies/github.json');
    expect(gatekeeper.isToolVisible('github', 'alice', 'provision_api_key')).toBe(false);
  });

  it('refuses again once the policy is removed', () => {
    const { gatekeeper, policies } = setup();
    policies.remove('meatspace');
    expect(gatekeeper.decide(call()).action).toBe('deny');
  });

  it('keeps enforcing the last good policy when the file turns invalid', () => {
    const { gatekeeper, policies } = setup();
    policies.load('meatspace', '{ "version": "1", "default": "allow", }');
    expect(gatekeeper.decide(call({ tool: 'ask_human' })).action).toBe('deny');
  });
});

describe('policy extensions', () => {
  it.each([
    ['allow', 'allow'],
    ['deny', 'deny'],
    ['require_approval', 'require_approval'],
  ] as const)('action %s decides %s', (action, expected) => {
    const { gatekeeper } = setup({ version: '1', tools: { t: { action } } });
    expect(gatekeeper.decide(call({ tool: 't' }))).toMatchObject({
      action: expected,
      rule: '/tools/t',
    });
  });

  it('gives the rule reason to the agent when refusing', () => {
    const { gatekeeper } = setup({
      version: '1',
      tools: { t: { action: 'deny', reason: 'Creates credentials that cannot be recalled' } },
    });
    const decision = gatekeeper.decide(call({ tool: 't' }));
    expect(refusalText(decision, 't')).toBe(
      'Airlock refused "t": Creates credentials that cannot be recalled (rule /tools/t).',
    );
  });

  it.each(['allow', 'require_approval'] as const)(
    'default %s applies to unlisted tools',
    (action) => {
      const { gatekeeper } = setup({ version: '1', default: action });
      expect(gatekeeper.decide(call({ tool: 'x' }))).toMatchObject({ action, rule: '/default' });
      expect(gatekeeper.isToolVisible('meatspace', 'alice', 'x')).toBe(true);
    },
  );

  describe('argument rules', () => {
    const policy = {
      version: '1',
      tools: {
        provision_api_key: {
          args: {
            type: 'object',
            properties: {
              email: { type: 'string', pattern: '@example\\.com$' },
              name: { type: 'string', maxLength: 100 },
            },
            required: ['email', 'name'],
            additionalProperties: false,
          },
          limits: [{ counter: 'keys', window: 'minute', max: 5 }],
        },
      },
    };

    it('allows matching arguments and leaves them exactly as they were', () => {
      const { gatekeeper } = setup(policy);
      const args = { name: 'agent key', email: 'a@example.com' };
      const snapshot = structuredClone(args);
      expect(gatekeeper.decide(call({ args })).action).toBe('allow');
      expect(args).toEqual(snapshot);
    });

    it('refuses non-matching arguments with every problem and its path, counting nothing', () => {
      const { gatekeeper, store } = setup(policy);
      const decision = gatekeeper.decide(call({ args: { email: 'a@evil.com', extra: 1 } }));
      expect(decision.action).toBe('deny');
      expect(decision.rule).toBe('/tools/provision_api_key/args');
      expect(decision.reason).toContain('arguments do not match the policy');
      expect(decision.reason).toContain('missing required key "name"');
      expect(decision.reason).toContain('/email must match pattern "@example\\.com$"');
      expect(decision.reason).toContain('/extra unknown key "extra"');
      expect(store.events).toEqual([]);
    });

    it('does not quote argument values in the reason', () => {
      const { gatekeeper } = setup(policy);
      const decision = gatekeeper.decide(call({ args: { email: 'hitl_SECRETVALUE', name: 'n' } }));
      expect(decision.reason).not.toContain('hitl_SECRETVALUE');
    });

    it('refuses a number JSON cannot carry, which a rule would check as one value and the server read as null', () => {
      // No type: anything but null, at most 100 if a number. -Infinity passes; null would not.
      const { gatekeeper } = setup({
        version: '1',
        default: 'allow',
        tools: {
          pay: { args: { properties: { amount: { not: { type: 'null' }, maximum: 100 } } } },
        },
      });
      const args = JSON.parse('{"amount":-1e309,"to":["a",{"x/y":1e400}]}') as Record<
        string,
        unknown
      >;
      expect(gatekeeper.decide(call({ tool: 'pay', args }))).toMatchObject({
        action: 'deny',
        rule: '',
        reason: expect.stringMatching(/^the argument at \/amount is a number too large for JSON/),
      });
      const nested = gatekeeper.decide(call({ tool: 'other', args: { to: args.to } }));
      expect(nested.reason).toMatch(/^the argument at \/to\/1\/x~1y is a number too large/);
      expect(gatekeeper.decide(call({ tool: 'pay', args: { amount: -1e308 } })).action).toBe(
        'allow',
      );
    });
  });

  it('shares a counter between tools', () => {
    const shared = { counter: 'writes', window: 'minute', max: 3 };
    const { gatekeeper } = setup({
      version: '1',
      tools: { a: { limits: [shared] }, b: { limits: [shared] } },
    });
    expect(gatekeeper.decide(call({ tool: 'a' })).action).toBe('allow');
    expect(gatekeeper.decide(call({ tool: 'b' })).action).toBe('allow');
    expect(gatekeeper.decide(call({ tool: 'a' })).action).toBe('allow');
    expect(gatekeeper.decide(call({ tool: 'b' }))).toMatchObject({
      action: 'deny',
      rule: '/tools/b/limits/0',
    });
  });

  it.each([
    ['session', 'per session', { grant: 'alice', session: 'other' }, 'allow'],
    ['global', 'across all grants', { grant: 'bob', session: 'other' }, 'deny'],
    ['grant', 'per grant', { grant: 'bob', session: 's1' }, 'allow'],
  ] as const)('scope %s: the limit is %s', (scope, words, other, otherAction) => {
    const { gatekeeper } = setup({
      version: '1',
      tools: { t: { limits: [{ counter: 'c', window: 90, max: 1, scope }] } },
    });
    expect(gatekeeper.decide(call({ tool: 't' })).action).toBe('allow');
    const refused = gatekeeper.decide(call({ tool: 't' }));
    expect(refused.reason).toBe(
      `rate limit "c" allows 1 call per 90 seconds ${words}; retry in 1 min 30 s`,
    );
    expect(gatekeeper.decide(call({ tool: 't', ...other })).action).toBe(otherAction);
  });

  it.each([
    ['minute', MINUTE],
    [60, MINUTE],
    ['90s', 90_000],
    ['1h30m', 90 * MINUTE],
  ])('window %j slides over %d ms', (window, windowMs) => {
    const { clock, gatekeeper } = setup({
      version: '1',
      tools: { t: { limits: [{ counter: 'c', window, max: 2 }] } },
    });
    expect(gatekeeper.decide(call({ tool: 't' })).action).toBe('allow');
    clock.advance(1_000);
    expect(gatekeeper.decide(call({ tool: 't' })).action).toBe('allow');
    clock.advance(windowMs - 1_001);
    expect(gatekeeper.decide(call({ tool: 't' }))).toMatchObject({
      action: 'deny',
      retryAfterMs: 1,
    });
    clock.advance(1);
    expect(gatekeeper.decide(call({ tool: 't' })).action).toBe('allow');
    expect(gatekeeper.decide(call({ tool: 't' }))).toMatchObject({
      action: 'deny',
      retryAfterMs: 1_000,
    });
  });

  it('on_exceed require_approval escalates instead of refusing, without counting', () => {
    const { gatekeeper, store } = setup({
      version: '1',
      tools: {
        t: {
          limits: [{ counter: 'c', window: 'minute', max: 1, on_exceed: 'require_approval' }],
          approval: { timeout: '2m' },
        },
      },
    });
    expect(gatekeeper.decide(call({ tool: 't' })).action).toBe('allow');
    const escalated = gatekeeper.decide(call({ tool: 't' }));
    expect(escalated).toMatchObject({
      action: 'require_approval',
      rule: '/tools/t/limits/0',
      approvalTimeoutMs: 120_000,
    });
    expect(escalated.reason).toContain('rate limit "c" allows 1 call per minute per grant');
    expect(store.events).toHaveLength(1);
  });

  it('require_approval holds the call without counting it, but a spent limit still refuses', () => {
    const { gatekeeper, store } = setup({
      version: '1',
      tools: {
        t: {
          action: 'require_approval',
          reason: 'Creates credentials',
          approval: { timeout: 90 },
          limits: [{ counter: 'c', window: 'minute', max: 1 }],
        },
        u: { limits: [{ counter: 'c', window: 'minute', max: 1 }] },
      },
    });
    for (let i = 0; i < 3; i++) {
      expect(gatekeeper.decide(call({ tool: 't' }))).toMatchObject({
        action: 'require_approval',
        rule: '/tools/t',
        reason: 'Creates credentials',
        approvalTimeoutMs: 90_000,
      });
    }
    expect(store.events).toEqual([]);
    expect(gatekeeper.decide(call({ tool: 'u' })).action).toBe('allow');
    expect(gatekeeper.decide(call({ tool: 't' }))).toMatchObject({
      action: 'deny',
      rule: '/tools/t/limits/0',
    });
  });

  it('applies grant overrides: a grant rule, then the tool rule, then the grant default', () => {
    const { gatekeeper } = setup({
      version: '1',
      default: 'deny',
      tools: { ask_human: { action: 'require_approval' } },
      grants: {
        ci: {
          default: 'allow',
          tools: { provision_api_key: { action: 'deny', reason: 'CI never mints keys' } },
        },
      },
    });
    expect(gatekeeper.decide(call({ grant: 'ci' }))).toMatchObject({
      action: 'deny',
      rule: '/grants/ci/tools/provision_api_key',
      reason: 'CI never mints keys',
    });
    expect(gatekeeper.decide(call({ grant: 'ci', tool: 'ask_human' }))).toMatchObject({
      action: 'require_approval',
      rule: '/tools/ask_human',
    });
    expect(gatekeeper.decide(call({ grant: 'ci', tool: 'get_service_status' }))).toMatchObject({
      action: 'allow',
      rule: '/grants/ci/default',
    });
    expect(gatekeeper.decide(call({ grant: 'alice', tool: 'get_service_status' }))).toMatchObject({
      action: 'deny',
      rule: '/default',
    });
    expect(gatekeeper.isToolVisible('meatspace', 'ci', 'provision_api_key')).toBe(false);
    expect(gatekeeper.isToolVisible('meatspace', 'alice', 'provision_api_key')).toBe(false);
    expect(gatekeeper.isToolVisible('meatspace', 'ci', 'get_service_status')).toBe(true);
  });
});

describe('nothing fails open', () => {
  it('refuses the call and counts nothing when the counter store cannot append', () => {
    const { gatekeeper, store, limiter, policies } = setup();
    store.failAppends = true;
    const decision = gatekeeper.decide(call());
    expect(decision.action).toBe('deny');
    expect(decision.reason).toContain('Airlock could not decide');
    expect(decision.reason).toContain('refused');
    expect(decision.reason).toContain('SQLITE_FULL');
    expect(decision.policyHash).toBe(policies.get('meatspace').policy?.version.hash);
    const limits = policies.get('meatspace').policy?.tools.get('provision_api_key')?.limits ?? [];
    expect(limiter.count(limits[0]!, { grant: 'alice', session: 's1' })).toBe(0);
    store.failAppends = false;
    for (let i = 0; i < 30; i++) expect(gatekeeper.decide(call()).action).toBe('allow');
    expect(gatekeeper.decide(call()).action).toBe('deny');
  });

  it('refuses the call when the policy registry throws', () => {
    const clock = new FakeClock();
    const policies = new PolicyRegistry({ clock });
    policies.get = () => {
      throw new Error('corrupt state');
    };
    const gatekeeper = new Gatekeeper({
      policies,
      limiter: new RateLimiter(new MemoryCounterStore(), clock),
      clock,
    });
    expect(gatekeeper.decide(call())).toMatchObject({
      action: 'deny',
      reason: expect.stringContaining('Airlock could not decide'),
    });
  });

  it('keeps the count across a restart', () => {
    const first = setup();
    for (let i = 0; i < 30; i++) first.gatekeeper.decide(call());
    const limiter = new RateLimiter(first.store, first.clock);
    limiter.load();
    const gatekeeper = new Gatekeeper({ policies: first.policies, limiter, clock: first.clock });
    expect(gatekeeper.decide(call()).action).toBe('deny');
    expect(gatekeeper.decide(call({ grant: 'bob' })).action).toBe('allow');
  });
});

describe('keeping counter events in memory', () => {
  it('keeps them for the longest window that names the counter, even in another tool', () => {
    const { clock, limiter, gatekeeper } = setup({
      version: '1',
      tools: {
        fast: { limits: [{ counter: 'shared', window: 'minute', max: 100 }] },
        slow: { limits: [{ counter: 'shared', window: 'hour', max: 3 }] },
      },
    });
    for (let i = 0; i < 3; i++)
      expect(gatekeeper.decide(call({ tool: 'fast' })).action).toBe('allow');
    clock.advance(10 * MINUTE);
    limiter.prune();
    // The one-minute window forgot them; the one-hour window over the same counter still counts them.
    expect(gatekeeper.decide(call({ tool: 'fast' })).action).toBe('allow');
    expect(gatekeeper.decide(call({ tool: 'slow' })).action).toBe('deny');
  });
});
