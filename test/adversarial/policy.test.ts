// Issue 10, the policy: nothing an agent writes into a tools/call decides it other than the policy
// says, or runs it other than as it was decided. Every call goes through the real endpoint to the
// recording stdio server, whose echo-like tools answer with the arguments they read, so each test
// sees the agent's answer, what the server read and the history row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall } from '../helpers/airlock-harness';
import { startHostileAirlock, type HostileAirlock } from '../helpers/hostile-upstream';
import { messagesOf, RawMcpSession } from '../helpers/raw-mcp';
import { FakeClock } from '../main/core/fakes';
import type { CallRecord } from '../../src/main/core/history/types';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** "résumé" composed (NFC), as the server lists it and the policy names it. */
const RESUME = 'r\u00e9sum\u00e9';

const POLICY = {
  version: '1',
  default: 'deny',
  tools: {
    provision_api_key: {
      args: {
        type: 'object',
        required: ['email'],
        properties: {
          email: { type: 'string', pattern: '@example\\.com$' },
          name: { type: 'string' },
        },
        additionalProperties: false,
      },
    },
    echo: {
      args: {
        type: 'object',
        properties: {
          text: { type: 'string' },
          count: { type: 'integer', maximum: 100 },
          /** No type: anything but null, and at most 100 if a number. */
          amount: { not: { type: 'null' }, maximum: 100 },
          big: { type: 'integer', maximum: 9007199254740992 },
          tags: {
            type: 'array',
            maxItems: 3,
            items: { anyOf: [{ type: 'string' }, { type: 'number' }] },
          },
          names: { type: 'array', items: { type: 'string' }, uniqueItems: true },
          records: { type: 'array', uniqueItems: true },
        },
      },
    },
    [RESUME]: { action: 'allow' },
    limited: {
      limits: [{ counter: 'limited', window: 'hour', max: 5 }],
    },
  },
};

type Answer = {
  result?: {
    isError?: boolean;
    content?: { text?: string }[];
    _meta?: { 'airlock/decision'?: { rule: string; retryAfterMs?: number } };
  };
  error?: { code: number; message: string };
};

let airlock: HostileAirlock;
let session: RawMcpSession;
let nextId = 0;

beforeAll(async () => {
  airlock = await startHostileAirlock({
    policy: POLICY,
    extraTools: [RESUME, 'limited'],
  });
  session = await RawMcpSession.open(airlock.endpoint, airlock.token);
});

afterAll(async () => {
  await session?.close();
  await airlock?.close();
});

/** Sends a tools/call whose params are exactly `params` (JSON text, duplicate keys and all). */
async function call(params: string, on: RawMcpSession = session): Promise<Answer> {
  const response = await on.post(
    `{"jsonrpc":"2.0","id":${++nextId},"method":"tools/call","params":${params}}`,
  );
  return messagesOf(response).at(-1) as Answer;
}

function textOf(answer: Answer): string {
  return answer.result?.content?.[0]?.text ?? '';
}

/**
 * The arguments of every tools/call the server read after line `since`. A ping answered first
 * means the server has read everything sent before it, down the same pipe.
 */
async function argumentsUpstream(
  since: number,
  from: HostileAirlock = airlock,
  on: RawMcpSession = session,
): Promise<{ name: string; arguments: Record<string, unknown>; text: string }[]> {
  await on.request('ping');
  return from
    .upstreamLines()
    .slice(since)
    .filter((line) => line.message?.method === 'tools/call')
    .map((line) => {
      const params = line.message!.params as { name: string; arguments: Record<string, unknown> };
      return { name: params.name, arguments: params.arguments, text: line.text };
    });
}

async function history(from: HostileAirlock = airlock): Promise<CallRecord[]> {
  return (await apiCall(from.runtime, 'history.query', { limit: 500 })).calls;
}

async function lastRow(from: HostileAirlock = airlock): Promise<CallRecord> {
  return (await history(from))[0]!;
}

describe('a call the server does not have', () => {
  it('is a JSON-RPC error -32602 that reaches nothing and is not decided', async () => {
    const mark = airlock.upstreamLines().length;
    const rows = (await history()).length;
    const answer = await call('{"name":"launch_missiles","arguments":{}}');
    expect(answer.error).toEqual({ code: -32602, message: 'Unknown tool: launch_missiles' });
    expect(await argumentsUpstream(mark)).toEqual([]);
    expect(await history()).toHaveLength(rows);
  });
});

describe('type confusion', () => {
  it.each([
    ['an array', '[]'],
    ['an array of pairs', '["email","ok@example.com"]'],
    ['a string', '"email=ok@example.com"'],
    ['a number', '42'],
    ['a boolean', 'true'],
    ['null', 'null'],
  ])('refuses arguments that are %s with -32602, before anything runs', async (_kind, args) => {
    const mark = airlock.upstreamLines().length;
    const answer = await call(`{"name":"provision_api_key","arguments":${args}}`);
    expect(answer.error).toEqual({
      code: -32602,
      message: 'tools/call params.arguments must be an object.',
    });
    expect(await argumentsUpstream(mark)).toEqual([]);
  });

  it.each([
    ['a number', '42'],
    ['null', 'null'],
    ['an array', '["provision_api_key"]'],
    ['an object', '{"name":"provision_api_key"}'],
    ['a boolean', 'true'],
  ])('refuses a tool name that is %s with -32602', async (_kind, name) => {
    const mark = airlock.upstreamLines().length;
    const answer = await call(`{"name":${name},"arguments":{"email":"ok@example.com"}}`);
    expect(answer.error).toEqual({
      code: -32602,
      message: 'tools/call needs params.name, a string.',
    });
    expect(await argumentsUpstream(mark)).toEqual([]);
  });

  it('refuses params that are an array, or not an object at all', async () => {
    const mark = airlock.upstreamLines().length;
    const asArray = await call('["provision_api_key",{"email":"ok@example.com"}]');
    expect(asArray.error?.code).toBe(-32602);
    const response = await session.post(
      '{"jsonrpc":"2.0","id":"s","method":"tools/call","params":"provision_api_key"}',
    );
    expect(response.status).toBe(400);
    expect(messagesOf(response)[0]).toMatchObject({ error: { code: -32600 } });
    expect(await argumentsUpstream(mark)).toEqual([]);
  });

  it.each([
    ['a number', '{"email":42}', '/email must be a string'],
    ['an array', '{"email":["ok@example.com"]}', '/email must be a string'],
    ['an object', '{"email":{"toString":"ok@example.com"}}', '/email must be a string'],
    ['null', '{"email":null}', '/email must be a string'],
    ['a boolean', '{"email":true}', '/email must be a string'],
  ])('refuses %s where the rule wants a string', async (_kind, args, problem) => {
    const mark = airlock.upstreamLines().length;
    const answer = await call(`{"name":"provision_api_key","arguments":${args}}`);
    expect(answer.result?.isError).toBe(true);
    expect(textOf(answer)).toContain(problem);
    expect(await argumentsUpstream(mark)).toEqual([]);
    expect(await lastRow()).toMatchObject({
      tool: 'provision_api_key',
      decision: 'deny',
      rule: '/tools/provision_api_key/args',
      status: 'not_run',
    });
  });

  it.each([
    ['a numeric string', '{"count":"5"}', '/count must be an integer'],
    ['an exponent in a string', '{"count":"1e2"}', '/count must be an integer'],
    ['a fraction', '{"count":5.5}', '/count must be an integer'],
    ['an array holding a number', '{"count":[5]}', '/count must be an integer'],
  ])(
    'refuses %s where the rule wants a number, never coercing it',
    async (_kind, args, problem) => {
      const mark = airlock.upstreamLines().length;
      const answer = await call(`{"name":"echo","arguments":${args}}`);
      expect(textOf(answer)).toContain(problem);
      expect(await argumentsUpstream(mark)).toEqual([]);
    },
  );
});

describe('numbers at the edges of what JSON and doubles carry', () => {
  it('refuses a literal too large for a double instead of forwarding it as null', async () => {
    // -1e309 parses as -Infinity: no null, and a number at most 100, so the rule passed it; and
    // JSON.stringify writes it as null, so the server read a value the rule forbids.
    for (const args of ['{"amount":-1e309}', '{"count":1e309}', '{"tags":[1,1E400]}']) {
      const mark = airlock.upstreamLines().length;
      const answer = await call(`{"name":"echo","arguments":${args}}`);
      expect(answer.result?.isError).toBe(true);
      expect(textOf(answer)).toMatch(/is a number too large for JSON/);
      expect(await argumentsUpstream(mark)).toEqual([]);
      expect(await lastRow()).toMatchObject({ tool: 'echo', decision: 'deny', status: 'not_run' });
    }
  });

  it('checks the largest doubles and exponents by value, and forwards the value it checked', async () => {
    const cases: [string, number | 'refused'][] = [
      ['{"count":1e308}', 'refused'],
      ['{"count":1e2}', 100],
      ['{"count":10000e-2}', 100],
      ['{"count":1.01E+2}', 'refused'],
      ['{"count":-0}', 0],
      ['{"amount":-1e308}', -1e308],
      // 2^53 + 1 is read as 2^53, within the maximum; the server reads 2^53 too, never more.
      ['{"big":9007199254740993}', 9007199254740992],
      ['{"big":9007199254740994}', 'refused'],
    ];
    for (const [args, expected] of cases) {
      const mark = airlock.upstreamLines().length;
      const answer = await call(`{"name":"echo","arguments":${args}}`);
      const upstream = await argumentsUpstream(mark);
      if (expected === 'refused') {
        expect(answer.result?.isError, args).toBe(true);
        expect(upstream, args).toEqual([]);
        continue;
      }
      expect(answer.result?.isError, args).toBeUndefined();
      expect(upstream, args).toHaveLength(1);
      expect(Object.values(upstream[0]!.arguments), args).toEqual([expected]);
      // What the server read is the very value the rule passed, in the agent's answer as well.
      expect(Object.values(JSON.parse(textOf(answer)) as object), args).toEqual([expected]);
    }
  });
});

describe('arrays against maxItems and uniqueItems', () => {
  it('refuses one item too many', async () => {
    const mark = airlock.upstreamLines().length;
    const answer = await call('{"name":"echo","arguments":{"tags":["a","b","c","d"]}}');
    expect(textOf(answer)).toContain('/tags must have at most 3 item(s)');
    expect(await argumentsUpstream(mark)).toEqual([]);
  });

  it('refuses a four-megabyte array of wrong items at once, and keeps answering', async () => {
    // About 1.3 million items, each failing both branches of an anyOf: listing every problem
    // (and folding the branches of each) once took hours, with every agent and the UI waiting.
    const items = 1_300_000;
    const body = `{"name":"echo","arguments":{"tags":[${'{},'.repeat(items - 1)}{}]}}`;
    const mark = airlock.upstreamLines().length;
    const answer = await call(body);
    expect(answer.result?.isError).toBe(true);
    expect(textOf(answer)).toMatch(/^Airlock refused "echo": arguments do not match the policy: /);
    expect(await argumentsUpstream(mark)).toEqual([]);
    const next = await call('{"name":"echo","arguments":{"tags":["still","here"]}}');
    expect(JSON.parse(textOf(next))).toEqual({ tags: ['still', 'here'] });
  });

  it('checks uniqueItems over a hundred thousand objects in one pass', async () => {
    // Ajv compares object items pairwise: 5e9 comparisons here, minutes with Airlock stalled.
    const records = Array.from({ length: 100_000 }, (_, i) => ({ i }));
    const mark = airlock.upstreamLines().length;
    const answer = await call(JSON.stringify({ name: 'echo', arguments: { records } }));
    expect(answer.result?.isError).toBeUndefined();
    const upstream = await argumentsUpstream(mark);
    expect(upstream).toHaveLength(1);
    expect((upstream[0]!.arguments.records as unknown[]).length).toBe(100_000);

    const repeated = await call(
      JSON.stringify({ name: 'echo', arguments: { records: [...records, { i: 5 }] } }),
    );
    expect(textOf(repeated)).toContain('/records must not contain duplicates');
  });

  it('sees two "__proto__" strings as the duplicates they are', async () => {
    const mark = airlock.upstreamLines().length;
    const answer = await call('{"name":"echo","arguments":{"names":["__proto__","__proto__"]}}');
    expect(textOf(answer)).toContain('/names must not contain duplicates');
    expect(await argumentsUpstream(mark)).toEqual([]);
  });
});

describe('"__proto__" and "constructor" keys', () => {
  it.each([
    ['"__proto__" holding the required key', '{"__proto__":{"email":"ok@example.com"}}'],
    [
      '"constructor.prototype" holding it',
      '{"constructor":{"prototype":{"email":"ok@example.com"}}}',
    ],
  ])('never satisfy a required key: %s', async (_kind, args) => {
    const mark = airlock.upstreamLines().length;
    const answer = await call(`{"name":"provision_api_key","arguments":${args}}`);
    expect(textOf(answer)).toContain('missing required key "email"');
    expect(await argumentsUpstream(mark)).toEqual([]);
  });

  it.each(['__proto__', 'constructor'])(
    'are keys additionalProperties: false sees (%s)',
    async (key) => {
      const mark = airlock.upstreamLines().length;
      const answer = await call(
        `{"name":"provision_api_key","arguments":{"email":"ok@example.com","${key}":{"admin":true}}}`,
      );
      expect(textOf(answer)).toContain(`unknown key "${key}"`);
      expect(await argumentsUpstream(mark)).toEqual([]);
    },
  );

  it('pass through as plain data: nothing polluted, the server and the history see them', async () => {
    const mark = airlock.upstreamLines().length;
    const answer = await call(
      '{"name":"echo","arguments":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"text":"hi"}}',
    );
    expect(answer.result?.isError).toBeUndefined();
    // Airlock runs in this process: had anything merged these keys, every object would show it.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const [upstream] = await argumentsUpstream(mark);
    expect(Object.keys(upstream!.arguments)).toEqual(['__proto__', 'constructor', 'text']);
    expect(JSON.parse(textOf(answer))).toEqual(upstream!.arguments);
    expect(Object.keys(JSON.parse((await lastRow()).args!) as object)).toEqual([
      '__proto__',
      'constructor',
      'text',
    ]);
  });
});

describe('duplicate keys in the JSON text', () => {
  it('checks the value the server reads: the last one, forwarded alone', async () => {
    let mark = airlock.upstreamLines().length;
    const evilLast = await call(
      '{"name":"provision_api_key","arguments":{"email":"ok@example.com","email":"evil@attacker.com"}}',
    );
    expect(textOf(evilLast)).toContain('/email must match pattern');
    expect(await argumentsUpstream(mark)).toEqual([]);

    mark = airlock.upstreamLines().length;
    const okLast = await call(
      '{"name":"provision_api_key","arguments":{"email":"evil@attacker.com","email":"ok@example.com"}}',
    );
    expect(JSON.parse(textOf(okLast))).toEqual({ email: 'ok@example.com' });
    const upstream = await argumentsUpstream(mark);
    expect(upstream.map((line) => line.arguments)).toEqual([{ email: 'ok@example.com' }]);
    expect(upstream[0]!.text).not.toContain('attacker');
    expect(upstream[0]!.text.match(/"email"/g)).toHaveLength(1);
  });

  it('decides the tool name and the arguments the server reads, when those are written twice', async () => {
    let mark = airlock.upstreamLines().length;
    const renamed = await call(
      '{"name":"echo","arguments":{"text":"x"},"name":"provision_api_key"}',
    );
    expect(textOf(renamed)).toContain('Airlock refused "provision_api_key"');
    expect(await argumentsUpstream(mark)).toEqual([]);

    mark = airlock.upstreamLines().length;
    await call(
      '{"name":"provision_api_key","arguments":{"email":"evil@attacker.com"},"arguments":{"email":"ok@example.com"}}',
    );
    const upstream = await argumentsUpstream(mark);
    expect(upstream.map(({ name, arguments: args }) => ({ name, args }))).toEqual([
      { name: 'provision_api_key', args: { email: 'ok@example.com' } },
    ]);
    expect(upstream[0]!.text).not.toContain('attacker');
  });
});

/** Names a person reads as provision_api_key (or résumé), or as another server's, each a different string. */
const IMITATIONS: [string, string][] = [
  ['a capital letter', 'Provision_api_key'],
  ['capitals', 'PROVISION_API_KEY'],
  ['a Cyrillic е', 'provision_api_k\u0435y'],
  ['full-width letters', '\uff50\uff52\uff4f\uff56\uff49\uff53\uff49\uff4f\uff4e_api_key'],
  ['a zero-width space', 'provision_\u200bapi_key'],
  ['a trailing space', 'provision_api_key '],
  ['decomposed accents (NFD)', 're\u0301sume\u0301'],
  ["another server's prefix", 'meatspace_provision_api_key'],
  ["another server's prefix, with a dot", 'meatspace.provision_api_key'],
];

describe('a name that imitates a tool the policy names', () => {
  it.each(IMITATIONS)(
    'is an unknown tool when the server does not list it (%s)',
    async (_kind, name) => {
      const mark = airlock.upstreamLines().length;
      const rows = (await history()).length;
      const answer = await call(JSON.stringify({ name, arguments: { email: 'ok@example.com' } }));
      expect(answer.error).toEqual({ code: -32602, message: `Unknown tool: ${name}` });
      expect(await argumentsUpstream(mark)).toEqual([]);
      expect(await history()).toHaveLength(rows);
    },
  );

  describe('listed by the server', () => {
    let mimic: HostileAirlock;
    let mimicSession: RawMcpSession;
    const names = IMITATIONS.map(([, name]) => name);

    beforeAll(async () => {
      mimic = await startHostileAirlock({
        policy: {
          version: '1',
          default: 'deny',
          tools: { provision_api_key: { action: 'allow' }, [RESUME]: { action: 'allow' } },
        },
        extraTools: [RESUME, ...names],
      });
      mimicSession = await RawMcpSession.open(mimic.endpoint, mimic.token);
    });

    afterAll(async () => {
      await mimicSession?.close();
      await mimic?.close();
    });

    async function callMimic(name: string): Promise<Answer> {
      const response = await mimicSession.post(
        JSON.stringify({
          jsonrpc: '2.0',
          id: ++nextId,
          method: 'tools/call',
          params: { name, arguments: { email: 'ok@example.com' } },
        }),
      );
      return messagesOf(response).at(-1) as Answer;
    }

    it('is flagged on Servers as imitating the tool it reads as', async () => {
      const { tools } = await apiCall(mimic.runtime, 'servers.tools', { server: 'hostile' });
      // The prefix kinds name server "meatspace", which this Airlock does not have: nothing to imitate.
      for (const [kind, name] of IMITATIONS.filter(([kind]) => !kind.includes('prefix'))) {
        const tool = tools.find((listed) => listed.name === name)!;
        const real = name.normalize('NFC') === RESUME ? RESUME : 'provision_api_key';
        expect(tool.flags?.find((flag) => flag.kind === 'lookalike_name')?.message, kind).toContain(
          `"${real}"`,
        );
      }
    });

    it('is decided under its own name by the default, never by the rule it imitates', async () => {
      // The rule allows provision_api_key; the default refuses everything else.
      for (const name of names) {
        const mark = mimic.upstreamLines().length;
        const answer = await callMimic(name);
        expect(answer.result?._meta?.['airlock/decision']?.rule, name).toBe('/default');
        expect(await argumentsUpstream(mark, mimic, mimicSession), name).toEqual([]);
        expect(await lastRow(mimic)).toMatchObject({
          tool: name,
          decision: 'deny',
          rule: '/default',
        });
      }

      // Now the rule refuses provision_api_key and the default allows: the imitations run, each
      // as itself, and the real tool still does not.
      await apiCall(mimic.runtime, 'policies.save', {
        server: 'hostile',
        text: JSON.stringify({
          version: '1',
          default: 'allow',
          tools: { provision_api_key: { action: 'deny' }, [RESUME]: { action: 'deny' } },
        }),
      });
      const list = await mimicSession.request('tools/list');
      const listed = (list.result!.tools as { name: string }[]).map((tool) => tool.name);
      expect(listed).toEqual(expect.arrayContaining(names));
      expect(listed).not.toContain('provision_api_key');
      expect(listed).not.toContain(RESUME);
      for (const name of names) {
        const mark = mimic.upstreamLines().length;
        const answer = await callMimic(name);
        expect(answer.result?.isError, name).toBeUndefined();
        expect((await argumentsUpstream(mark, mimic, mimicSession)).map((c) => c.name)).toEqual([
          name,
        ]);
        expect(await lastRow(mimic)).toMatchObject({
          tool: name,
          decision: 'allow',
          rule: '/default',
        });
      }
      for (const real of ['provision_api_key', RESUME]) {
        const mark = mimic.upstreamLines().length;
        expect((await callMimic(real)).result?._meta?.['airlock/decision']?.rule).toBe(
          `/tools/${real}`,
        );
        expect(await argumentsUpstream(mark, mimic, mimicSession)).toEqual([]);
      }
    });
  });
});

describe('a rate limit of N under 2N calls at once', () => {
  it('lets exactly N through, upstream and in the history', async () => {
    // Two fresh sessions, so every call also waits for its session's first tool listing and
    // they are decided together; each call is its own HTTP request on its own connection.
    const sessions = await Promise.all([
      RawMcpSession.open(airlock.endpoint, airlock.token),
      RawMcpSession.open(airlock.endpoint, airlock.token),
    ]);
    const mark = airlock.upstreamLines().length;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(`{"name":"limited","arguments":{"n":${i}}}`, sessions[i % 2]),
      ),
    );
    const ran = answers.filter((answer) => answer.result?.isError === undefined);
    const refused = answers.filter((answer) => answer.result?.isError === true);
    expect(ran).toHaveLength(5);
    expect(refused).toHaveLength(5);
    for (const answer of refused) {
      expect(answer.result?._meta?.['airlock/decision']?.rule).toBe('/tools/limited/limits/0');
    }
    // Both sessions' servers write to one record; once each answered a ping, it is complete.
    await sessions[0]!.request('ping');
    const upstream = await argumentsUpstream(mark, airlock, sessions[1]);
    expect(upstream.map((c) => c.name)).toEqual(Array(5).fill('limited'));
    const rows = (await history()).filter((row) => row.tool === 'limited');
    expect(rows.filter((row) => row.decision === 'allow')).toHaveLength(5);
    expect(rows.filter((row) => row.decision === 'deny')).toHaveLength(5);
    await Promise.all(sessions.map((s) => s.close()));
  });
});

describe('a sliding window on a clock that moves', () => {
  const clock = new FakeClock();
  let clocked: HostileAirlock;
  let agent: RawMcpSession;

  beforeAll(async () => {
    clocked = await startHostileAirlock({
      policy: {
        version: '1',
        tools: {
          tick: { limits: [{ counter: 'tick', window: 'minute', max: 2 }] },
          tock: { limits: [{ counter: 'tock', window: 'minute', max: 2 }] },
        },
      },
      extraTools: ['tick', 'tock'],
      runtime: { clock, timers: clock },
    });
    agent = await RawMcpSession.open(clocked.endpoint, clocked.token);
  });

  afterAll(async () => {
    await agent?.close();
    await clocked?.close();
  });

  /** Calls `tool` at the clock's time; returns the retry delay of a refusal, or 'ran'. */
  async function callNow(tool: 'tick' | 'tock'): Promise<number | 'ran'> {
    const answer = await call(`{"name":"${tool}","arguments":{"at":${clock.now()}}}`, agent);
    if (answer.result?.isError !== true) {
      expect(JSON.parse(textOf(answer))).toEqual({ at: clock.now() });
      return 'ran';
    }
    const retry = answer.result._meta?.['airlock/decision']?.retryAfterMs;
    expect(retry).toBeTypeOf('number');
    return retry!;
  }

  it('frees a slot exactly one window after the call that held it, not a millisecond sooner', async () => {
    expect(await callNow('tick')).toBe('ran');
    clock.advance(1_000);
    expect(await callNow('tick')).toBe('ran');
    clock.advance(MINUTE - 1_001);
    // One millisecond before the first call is a full window old.
    expect(await callNow('tick')).toBe(1);
    clock.advance(1);
    expect(await callNow('tick')).toBe('ran');
    expect(await callNow('tick')).toBe(1_000);
  });

  it('lets no burst through when the wall clock steps back a day, and blocks no longer than a window', async () => {
    clock.advance(MINUTE);
    expect(await callNow('tick')).toBe('ran');
    expect(await callNow('tick')).toBe('ran');
    clock.time -= DAY;
    // The two calls just made still fill the window: the window neither reset nor went negative.
    const retry = await callNow('tick');
    expect(retry).not.toBe('ran');
    // And the agent is told to come back within one window, not in a day.
    expect(retry).toBeLessThanOrEqual(MINUTE);
    clock.advance((retry as number) - 1);
    expect(await callNow('tick')).not.toBe('ran');
    clock.advance(1);
    expect(await callNow('tick')).toBe('ran');
  });

  it('frees the window when the wall clock jumps a day forward', async () => {
    expect(await callNow('tock')).toBe('ran');
    expect(await callNow('tock')).toBe('ran');
    expect(await callNow('tock')).not.toBe('ran');
    clock.time += DAY;
    expect(await callNow('tock')).toBe('ran');
    expect(await callNow('tock')).toBe('ran');
    expect(await callNow('tock')).not.toBe('ran');
    await agent.request('ping');
    const rows = (await history(clocked)).filter((row) => row.tool === 'tock');
    // The four calls that ran reached the server; the two refused did not.
    expect(rows.filter((row) => row.decision === 'allow')).toHaveLength(4);
    expect(clocked.toolCallsUpstream().filter((name) => name === 'tock')).toHaveLength(4);
  });
});
