import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePolicy, POLICY_JSON_SCHEMA, type Policy } from '../../../../src/main/core/policy';
import type { JsonProblem } from '../../../../src/main/core/ports';

const SEED = readFileSync(new URL('../../../fixtures/seed-policy.json', import.meta.url), 'utf8');

function valid(policy: unknown): Policy {
  const result = parsePolicy(typeof policy === 'string' ? policy : JSON.stringify(policy, null, 2));
  if (!result.ok) throw new Error(`expected a valid policy: ${JSON.stringify(result.errors)}`);
  return result.value;
}

function problems(text: string): JsonProblem[] {
  const result = parsePolicy(text);
  if (result.ok) throw new Error('expected the policy to be refused');
  return result.errors;
}

/** Line and column (1-based) of the n-th occurrence of `needle` in `text`. */
function at(text: string, needle: string, occurrence = 1): { line: number; column: number } {
  let offset = -1;
  for (let i = 0; i < occurrence; i++) offset = text.indexOf(needle, offset + 1);
  if (offset < 0) throw new Error(`"${needle}" not in text`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1] as string).length + 1 };
}

describe('the seed policy', () => {
  it('parses unchanged', () => {
    const policy = valid(SEED);
    expect(policy.default).toBe('deny');
    expect([...policy.tools.keys()]).toEqual(['provision_api_key']);
    const rule = policy.tools.get('provision_api_key');
    expect(rule).toMatchObject({ action: 'allow', rule: '/tools/provision_api_key' });
    expect(rule?.limits).toEqual([
      {
        counter: 'provision_api_key_rate',
        windowMs: 60_000,
        max: 30,
        scope: 'grant',
        onExceed: 'deny',
        retention: { ms: 60_000 },
        rule: '/tools/provision_api_key/limits/0',
      },
    ]);
  });

  it('is identified by the sha256 of its text', () => {
    expect(valid(SEED).version).toEqual({
      format: '1',
      hash: createHash('sha256').update(SEED).digest('hex'),
    });
  });
});

describe('valid policies', () => {
  it('defaults to deny when "default" is missing', () => {
    expect(valid({ version: '1' }).default).toBe('deny');
  });

  it.each(['allow', 'deny', 'require_approval'] as const)('accepts action %s', (action) => {
    const policy = valid({ version: '1', default: action, tools: { t: { action } } });
    expect(policy.default).toBe(action);
    expect(policy.tools.get('t')?.action).toBe(action);
  });

  it('treats a listed tool without action as allowed', () => {
    expect(valid({ version: '1', tools: { t: {} } }).tools.get('t')?.action).toBe('allow');
  });

  it('keeps the reason', () => {
    const policy = valid({ version: '1', tools: { t: { action: 'deny', reason: 'Not today' } } });
    expect(policy.tools.get('t')?.reason).toBe('Not today');
  });

  it.each([
    ['second', 1_000],
    ['minute', 60_000],
    ['hour', 3_600_000],
    ['day', 86_400_000],
    [60, 60_000],
    [1.5, 1_500],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
  ])('reads window %j as %d ms', (window, windowMs) => {
    const policy = valid({
      version: '1',
      tools: { t: { limits: [{ counter: 'c', window, max: 1 }] } },
    });
    expect(policy.tools.get('t')?.limits[0]?.windowMs).toBe(windowMs);
  });

  it('fills in scope and on_exceed and keeps explicit ones', () => {
    const policy = valid({
      version: '1',
      tools: {
        t: {
          limits: [
            { counter: 'a', window: 'minute', max: 1 },
            {
              counter: 'b',
              window: 'minute',
              max: 1,
              scope: 'session',
              on_exceed: 'require_approval',
            },
            { counter: 'c', window: 'minute', max: 1, scope: 'global' },
          ],
        },
      },
    });
    expect(policy.tools.get('t')?.limits.map((l) => [l.scope, l.onExceed])).toEqual([
      ['grant', 'deny'],
      ['session', 'require_approval'],
      ['global', 'deny'],
    ]);
  });

  it('reads the approval timeout', () => {
    const policy = valid({
      version: '1',
      tools: { t: { action: 'require_approval', approval: { timeout: '2m' } } },
    });
    expect(policy.tools.get('t')?.approvalTimeoutMs).toBe(120_000);
  });

  it('reads grant overrides with their own default and tools', () => {
    const policy = valid({
      version: '1',
      grants: { alice: { default: 'allow', tools: { x: { action: 'deny' } } }, bob: {} },
    });
    expect(policy.grants.get('alice')?.default).toBe('allow');
    expect(policy.grants.get('alice')?.tools.get('x')).toMatchObject({
      action: 'deny',
      rule: '/grants/alice/tools/x',
    });
    expect(policy.grants.get('bob')?.default).toBeUndefined();
  });

  it('escapes tool names in rule pointers (RFC 6901)', () => {
    const policy = valid({ version: '1', tools: { 'a/b~c': {} } });
    expect(policy.tools.get('a/b~c')?.rule).toBe('/tools/a~1b~0c');
  });

  it('does not mistake tool names for object internals', () => {
    const policy = valid({ version: '1', tools: { t: {} } });
    expect(policy.tools.get('toString')).toBeUndefined();
    expect(policy.tools.get('constructor')).toBeUndefined();
  });

  it('compiles args schemas in draft 2020-12 (the default) and draft-07', () => {
    const policy = valid({
      version: '1',
      tools: {
        modern: {
          args: {
            $schema: 'https://json-schema.org/draft/2020-12/schema',
            type: 'object',
            properties: {
              pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] },
            },
          },
        },
        classic: {
          args: {
            $schema: 'http://json-schema.org/draft-07/schema#',
            type: 'object',
            properties: { email: { type: 'string', format: 'email' } },
            required: ['email'],
          },
        },
      },
    });
    const modern = policy.tools.get('modern')?.validateArgs;
    const classic = policy.tools.get('classic')?.validateArgs;
    expect(modern?.({ pair: ['a', 1] })).toEqual({ ok: true });
    expect(modern?.({ pair: [1, 'a'] }).ok).toBe(false);
    expect(classic?.({ email: 'a@example.com' })).toEqual({ ok: true });
    expect(classic?.({ email: 'nope' }).ok).toBe(false);
  });

  it('validates arguments without changing them (no defaults, coercion or removal)', () => {
    const policy = valid({
      version: '1',
      tools: {
        t: {
          args: {
            type: 'object',
            properties: { n: { type: 'number' }, d: { type: 'string', default: 'filled' } },
            additionalProperties: false,
          },
        },
      },
    });
    const validate = policy.tools.get('t')?.validateArgs;
    const args = { n: 1 };
    expect(validate?.(args)).toEqual({ ok: true });
    expect(args).toEqual({ n: 1 });
    const coercible = { n: '5' };
    expect(validate?.(coercible).ok).toBe(false);
    expect(coercible).toEqual({ n: '5' });
    const extra = { n: 1, other: true };
    expect(validate?.(extra)).toMatchObject({
      ok: false,
      problems: [{ path: '/other', message: expect.stringContaining('unknown key "other"') }],
    });
    expect(extra).toEqual({ n: 1, other: true });
  });

  it('never quotes argument values in validation problems', () => {
    const policy = valid({
      version: '1',
      tools: { t: { args: { type: 'object', properties: { token: { enum: ['public'] } } } } },
    });
    const result = policy.tools.get('t')?.validateArgs?.({ token: 'hitl_secretsecret' });
    expect(JSON.stringify(result)).not.toContain('hitl_secretsecret');
    expect(result).toMatchObject({ ok: false, problems: [{ path: '/token' }] });
  });

  it('parses the policy from DESIGN.md', () => {
    const policy = valid(`{
      "version": "1",
      "default": "deny",
      "tools": {
        "provision_api_key": {
          "action": "require_approval",
          "reason": "Creates credentials that cannot be recalled",
          "args": { "type": "object", "properties": { "email": { "type": "string", "pattern": "@example\\\\.com$" } }, "required": ["email"] },
          "limits": [
            { "counter": "provision_api_key_rate", "window": "minute", "max": 30, "scope": "grant" }
          ],
          "approval": { "timeout": "2m" }
        },
        "get_service_status": { "action": "allow" }
      }
    }`);
    const rule = policy.tools.get('provision_api_key');
    expect(rule?.validateArgs?.({ email: 'a@example.com' })).toEqual({ ok: true });
    expect(rule?.validateArgs?.({ email: 'a@evil.com' }).ok).toBe(false);
  });

  it('exports a JSON Schema that describes the format', () => {
    expect(POLICY_JSON_SCHEMA).toMatchObject({ type: 'object', required: ['version'] });
  });
});

describe('invalid policies', () => {
  it('reports every problem in one file with its pointer, line and column, in reading order', () => {
    const text = `{
  "version": "2",
  "default": "alow",
  "extra": true,
  "tools": {
    "a": {
      "action": "deny",
      "limits": [
        { "counter": "", "window": "5x", "max": 0, "scope": "user", "foo": 1 }
      ]
    },
    "b": {
      "args": {
        "type": "object",
        "properties": { "e": { "type": "string", "patern": "^x" } },
        "requried": ["e"]
      },
      "approval": {}
    }
  }
}`;
    expect(problems(text)).toEqual([
      { path: '/version', message: 'must be "1" (got "2")', ...at(text, '"2"') },
      {
        path: '/default',
        message: 'must be one of "allow", "deny", "require_approval" (got "alow")',
        ...at(text, '"alow"'),
      },
      {
        path: '/extra',
        message: 'unknown key "extra" (allowed: version, default, tools, grants)',
        ...at(text, '"extra"'),
      },
      { path: '/tools/a/limits/0/counter', message: 'must not be empty', ...at(text, '""') },
      {
        path: '/tools/a/limits/0/window',
        message: expect.stringContaining('"5x" is not a duration'),
        ...at(text, '"5x"'),
      },
      { path: '/tools/a/limits/0/max', message: 'must be >= 1 (got 0)', ...at(text, '0,') },
      {
        path: '/tools/a/limits/0/scope',
        message: 'must be one of "grant", "session", "global" (got "user")',
        ...at(text, '"user"'),
      },
      {
        path: '/tools/a/limits/0/foo',
        message: 'unknown key "foo" (allowed: counter, window, max, scope, on_exceed)',
        ...at(text, '"foo"'),
      },
      {
        path: '/tools/b/args/properties/e/patern',
        message: expect.stringContaining('strict mode: unknown keyword: "patern"'),
        ...at(text, '"patern"'),
      },
      {
        path: '/tools/b/args/requried',
        message: expect.stringContaining('strict mode: unknown keyword: "requried"'),
        ...at(text, '"requried"'),
      },
      {
        path: '/tools/b/approval',
        message: 'missing required key "timeout"',
        ...at(text, '{}'),
      },
    ]);
  });

  it('places the first problems at the positions a person sees', () => {
    const text = '{\n  "version": "1",\n  "default": "alow"\n}';
    expect(problems(text)).toEqual([
      {
        path: '/default',
        message: 'must be one of "allow", "deny", "require_approval" (got "alow")',
        line: 3,
        column: 14,
      },
    ]);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['missing version', {}, '', /missing required key "version"/],
    ['numeric version', { version: 1 }, '/version', /must be "1" \(got 1\)/],
    ['unknown top-level key', { version: '1', rules: {} }, '/rules', /unknown key "rules"/],
    [
      'unknown rule key',
      { version: '1', tools: { t: { actoin: 'deny' } } },
      '/tools/t/actoin',
      /unknown key "actoin" \(allowed: action, reason, args, limits, approval\)/,
    ],
    [
      'bad action',
      { version: '1', tools: { t: { action: 'block' } } },
      '/tools/t/action',
      /must be one of "allow", "deny", "require_approval" \(got "block"\)/,
    ],
    [
      'rule not an object',
      { version: '1', tools: { t: 'deny' } },
      '/tools/t',
      /must be an object \(got a string\)/,
    ],
    [
      'reason not a string',
      { version: '1', tools: { t: { reason: 5 } } },
      '/tools/t/reason',
      /must be a string \(got an integer\)/,
    ],
    [
      'limits not an array',
      { version: '1', tools: { t: { limits: {} } } },
      '/tools/t/limits',
      /must be an array \(got an object\)/,
    ],
    [
      'limit without counter',
      { version: '1', tools: { t: { limits: [{ window: 60, max: 1 }] } } },
      '/tools/t/limits/0',
      /missing required key "counter"/,
    ],
    [
      'limit without window',
      { version: '1', tools: { t: { limits: [{ counter: 'c', max: 1 }] } } },
      '/tools/t/limits/0',
      /missing required key "window"/,
    ],
    [
      'fractional max',
      { version: '1', tools: { t: { limits: [{ counter: 'c', window: 60, max: 1.5 }] } } },
      '/tools/t/limits/0/max',
      /must be an integer/,
    ],
    [
      'zero window',
      { version: '1', tools: { t: { limits: [{ counter: 'c', window: 0, max: 1 }] } } },
      '/tools/t/limits/0/window',
      /positive number of seconds/,
    ],
    [
      'negative window',
      { version: '1', tools: { t: { limits: [{ counter: 'c', window: -60, max: 1 }] } } },
      '/tools/t/limits/0/window',
      /positive number of seconds/,
    ],
    [
      'window over 31 days',
      { version: '1', tools: { t: { limits: [{ counter: 'c', window: '32d', max: 1 }] } } },
      '/tools/t/limits/0/window',
      /at most 31 days/,
    ],
    [
      'window of wrong type',
      { version: '1', tools: { t: { limits: [{ counter: 'c', window: true, max: 1 }] } } },
      '/tools/t/limits/0/window',
      /must be a string or a number/,
    ],
    [
      'bad on_exceed',
      {
        version: '1',
        tools: { t: { limits: [{ counter: 'c', window: 60, max: 1, on_exceed: 'allow' }] } },
      },
      '/tools/t/limits/0/on_exceed',
      /must be one of "deny", "require_approval"/,
    ],
    [
      'bad approval timeout',
      { version: '1', tools: { t: { approval: { timeout: 'soon' } } } },
      '/tools/t/approval/timeout',
      /"soon" is not a duration/,
    ],
    [
      'unknown approval key',
      { version: '1', tools: { t: { approval: { timeout: 60, after: 'deny' } } } },
      '/tools/t/approval/after',
      /unknown key "after" \(allowed: timeout\)/,
    ],
    [
      'args not an object',
      { version: '1', tools: { t: { args: 'string' } } },
      '/tools/t/args',
      /must be an object/,
    ],
    [
      'args with a bad type',
      { version: '1', tools: { t: { args: { type: 'strin' } } } },
      '/tools/t/args/type',
      /must be one of .*"string".* \(got "strin"\)/,
    ],
    [
      'args with a bad regex',
      { version: '1', tools: { t: { args: { type: 'string', pattern: '(' } } } },
      '/tools/t/args/pattern',
      /pattern|regular expression/i,
    ],
    [
      'args with an unknown format',
      { version: '1', tools: { t: { args: { type: 'string', format: 'emial' } } } },
      '/tools/t/args',
      /unknown format "emial"/,
    ],
    [
      'args with an unknown $schema',
      {
        version: '1',
        tools: { t: { args: { $schema: 'http://json-schema.org/draft-04/schema#' } } },
      },
      '/tools/t/args/$schema',
      /unsupported \$schema/,
    ],
    [
      'draft-07 args using a 2020-12 keyword',
      {
        version: '1',
        tools: {
          t: { args: { $schema: 'http://json-schema.org/draft-07/schema#', prefixItems: [] } },
        },
      },
      '/tools/t/args/prefixItems',
      /unknown keyword: "prefixItems"/,
    ],
    [
      'bad grant default',
      { version: '1', grants: { alice: { default: 'maybe' } } },
      '/grants/alice/default',
      /must be one of/,
    ],
    [
      'unknown grant key',
      { version: '1', grants: { alice: { rules: {} } } },
      '/grants/alice/rules',
      /unknown key "rules" \(allowed: default, tools\)/,
    ],
    [
      'bad grant name',
      { version: '1', grants: { 'no spaces': {} } },
      '/grants/no spaces',
      /invalid grant name/,
    ],
    [
      'bad rule under a grant',
      {
        version: '1',
        grants: {
          alice: { tools: { x: { limits: [{ counter: 'c', window: 'often', max: 1 }] } } },
        },
      },
      '/grants/alice/tools/x/limits/0/window',
      /"often" is not a duration/,
    ],
  ])('%s', (_name, policy, path, message) => {
    const found = problems(JSON.stringify(policy, null, 2));
    expect(found).toContainEqual(
      expect.objectContaining({ path, message: expect.stringMatching(message) }),
    );
    for (const problem of found) {
      expect(problem.line).toBeGreaterThanOrEqual(1);
      expect(problem.column).toBeGreaterThanOrEqual(1);
    }
  });

  it('reports each problem once, even when ajv reports it twice', () => {
    const found = problems(
      JSON.stringify({ version: '1', tools: { t: { args: { type: 'strin' } } } }),
    );
    expect(found).toHaveLength(1);
  });

  it.each([
    ['trailing comma', '{\n  "version": "1",\n}', 'trailing commas are not allowed in JSON', 3, 1],
    ['comment', '{\n  // hi\n  "version": "1"\n}', 'comments are not allowed in JSON', 2, 3],
    [
      'missing comma',
      '{\n  "version": "1"\n  "default": "deny"\n}',
      'expected "," between entries',
      3,
      3,
    ],
    ['empty file', '', 'the file is empty: expected a JSON object', 1, 1],
    ['unterminated', '{\n  "version": "1"', 'expected "}" to close the object', 2, 17],
  ])(
    'reports JSON syntax errors (%s) with line and column',
    (_name, text, message, line, column) => {
      expect(problems(text)).toContainEqual(expect.objectContaining({ message, line, column }));
    },
  );

  it('refuses duplicate keys, pointing at the second one', () => {
    const text = '{\n  "version": "1",\n  "tools": { "t": {}, "t": { "action": "deny" } }\n}';
    expect(problems(text)).toEqual([
      {
        path: '/tools/t',
        message: 'duplicate key "t" (JSON keeps only the last one)',
        ...at(text, '"t"', 2),
      },
    ]);
  });

  it.each(['[]', 'null', '"policy"', '42'])('refuses %s as a document', (text) => {
    expect(problems(text)).toEqual([
      expect.objectContaining({ path: '', message: expect.stringMatching(/^must be an object/) }),
    ]);
  });
});
