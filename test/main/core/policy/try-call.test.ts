import { describe, expect, it } from 'vitest';
import { tryCall, type TriedCall } from '../../../../src/main/core/policy/try-call';

const DRAFT = JSON.stringify(
  {
    version: '1',
    default: 'deny',
    tools: {
      get_service_status: {},
      provision_api_key: {
        action: 'require_approval',
        reason: 'Mints credentials',
        args: {
          type: 'object',
          properties: { email: { type: 'string', pattern: '@example\\.com$' } },
          required: ['email'],
        },
        limits: [{ counter: 'keys', window: 'day', max: 1, scope: 'global' }],
      },
    },
    grants: {
      ci: {
        default: 'require_approval',
        tools: { provision_api_key: { action: 'deny', reason: 'Not from CI' } },
      },
    },
  },
  null,
  2,
);

const call = (tool: string, extra: Partial<TriedCall> = {}): TriedCall => ({
  tool,
  args: {},
  ...extra,
});

describe('trying a call against a draft policy', () => {
  it.each([
    ['a listed tool', call('get_service_status'), 'allow', '/tools/get_service_status'],
    ['an unlisted tool', call('ask_human'), 'deny', '/default'],
    [
      'a held tool with matching arguments',
      call('provision_api_key', { args: { email: 'a@example.com' } }),
      'require_approval',
      '/tools/provision_api_key',
    ],
    [
      'arguments that break the rule',
      call('provision_api_key', { args: { email: 'a@evil.test' } }),
      'deny',
      '/tools/provision_api_key/args',
    ],
    [
      "the client's own rule over the tool's",
      call('provision_api_key', { grant: 'ci', args: { email: 'a@example.com' } }),
      'deny',
      '/grants/ci/tools/provision_api_key',
    ],
    [
      "the client's default for an unlisted tool",
      call('ask_human', { grant: 'ci' }),
      'require_approval',
      '/grants/ci/default',
    ],
    [
      'a client without rules of its own',
      call('ask_human', { grant: 'someone-else' }),
      'deny',
      '/default',
    ],
  ] as const)('decides %s by the rule that applies', (_, tried, action, rule) => {
    const result = tryCall('meatspace', DRAFT, tried);
    expect(result).toMatchObject({ ok: true, decision: { action, rule } });
  });

  it('gives the reason the agent would read', () => {
    const bad = tryCall('meatspace', DRAFT, call('provision_api_key', { args: { email: 'x' } }));
    expect(bad.ok && bad.decision.reason).toMatch(/^Mints credentials \(arguments do not match/);
    expect(bad.ok && bad.decision.reason).toContain('/email');
    const held = tryCall('meatspace', DRAFT, call('provision_api_key', { grant: 'ci' }));
    expect(held.ok && held.decision.reason).toBe('Not from CI');
  });

  it('starts every try with empty counters, so a full limit never refuses one', () => {
    const once = JSON.stringify({
      version: '1',
      tools: { ping: { limits: [{ counter: 'c', window: 'day', max: 1, scope: 'global' }] } },
    });
    for (let i = 0; i < 3; i++) {
      expect(tryCall('s', once, call('ping'))).toMatchObject({
        ok: true,
        decision: { action: 'allow', rule: '/tools/ping' },
      });
    }
  });

  it('decides nothing under an invalid draft and says where it is wrong', () => {
    const result = tryCall('meatspace', DRAFT.replace('"deny"', '"maybe"'), call('ask_human'));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]).toMatchObject({ path: '/default', line: 3 });
  });
});
