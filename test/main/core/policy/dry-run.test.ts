import { describe, expect, it } from 'vitest';
import { replayCalls } from '../../../../src/main/core/policy/dry-run';
import type { CallRecord } from '../../../../src/main/core/history/types';
import { recordedCall } from '../../../helpers/recorded-call';

let nextId = 1;
const recorded = (overrides: Partial<CallRecord>): CallRecord =>
  recordedCall(nextId++, { receivedAt: 1_000_000, reason: 'allowed by the policy', ...overrides });

const policy = (value: unknown) => JSON.stringify(value);

describe('replaying recorded calls against a draft policy', () => {
  it('lists only the calls whose decision changes, newest first, with both decisions', () => {
    const status = recorded({ tool: 'get_service_status', receivedAt: 1 });
    const mint = recorded({
      tool: 'provision_api_key',
      receivedAt: 2,
      action: 'require_approval',
      decision: 'allow',
      decidedBy: 'person',
      rule: '/tools/provision_api_key',
    });
    const ask = recorded({
      tool: 'ask_human',
      receivedAt: 3,
      action: 'deny',
      decision: 'deny',
      rule: '/default',
    });
    const draft = policy({
      version: '1',
      default: 'deny',
      tools: {
        get_service_status: {},
        provision_api_key: { action: 'deny', reason: 'no more keys' },
      },
    });

    const result = replayCalls('meatspace', draft, [ask, status, mint]);

    expect(result).toEqual({
      ok: true,
      replayed: 3,
      changes: [
        {
          call: mint,
          before: {
            action: 'require_approval',
            rule: '/tools/provision_api_key',
            reason: 'allowed by the policy',
          },
          after: { action: 'deny', rule: '/tools/provision_api_key', reason: 'no more keys' },
        },
      ],
    });
  });

  it('counts rate limits in arrival order with fresh counters', () => {
    const calls = [0, 10, 20, 30].map((at) =>
      recorded({
        tool: 'provision_api_key',
        receivedAt: 1_000 + at,
        rule: '/tools/provision_api_key',
      }),
    );
    const draft = policy({
      version: '1',
      default: 'deny',
      tools: {
        provision_api_key: {
          limits: [{ counter: 'keys', max: 2, window: 'minute', scope: 'grant' }],
        },
      },
    });
    const result = replayCalls('meatspace', draft, [...calls].reverse());
    expect(result.ok && result.changes.map((c) => [c.call.receivedAt, c.after.action])).toEqual([
      [1_030, 'deny'],
      [1_020, 'deny'],
    ]);
    expect(result.ok && result.changes[0]!.after.reason).toMatch(/retry in/);
  });

  it('counts a call held under the draft only if it really ran', () => {
    const draft = policy({
      version: '1',
      default: 'deny',
      tools: {
        provision_api_key: {
          action: 'require_approval',
          limits: [{ counter: 'keys', max: 1, window: 'minute', scope: 'grant' }],
        },
      },
    });
    const deniedByPerson = recorded({
      tool: 'provision_api_key',
      receivedAt: 1,
      action: 'require_approval',
      decision: 'deny',
      decidedBy: 'person',
    });
    const allowedByPerson = recorded({
      tool: 'provision_api_key',
      receivedAt: 2,
      action: 'require_approval',
      decision: 'allow',
      decidedBy: 'person',
    });
    const third = recorded({
      tool: 'provision_api_key',
      receivedAt: 3,
      action: 'require_approval',
      decision: 'pending',
    });
    const result = replayCalls('meatspace', draft, [deniedByPerson, allowedByPerson, third]);
    // The first two fit the limit of one (the first never ran); the third is over it.
    expect(result.ok && result.changes.map((c) => [c.call.id, c.after.action])).toEqual([
      [third.id, 'deny'],
    ]);
  });

  it('applies per-grant overrides and argument rules to the recorded arguments', () => {
    const draft = policy({
      version: '1',
      default: 'deny',
      tools: {
        provision_api_key: {
          args: {
            type: 'object',
            properties: { email: { type: 'string', pattern: '@example\\.com$' } },
          },
        },
      },
      grants: { bob: { tools: { provision_api_key: { action: 'deny' } } } },
    });
    const good = recorded({ tool: 'provision_api_key', args: '{"email":"a@example.com"}' });
    const bad = recorded({ tool: 'provision_api_key', args: '{"email":"a@evil.test"}' });
    const bobs = recorded({
      tool: 'provision_api_key',
      grant: 'bob',
      args: '{"email":"b@example.com"}',
    });
    const result = replayCalls('meatspace', draft, [good, bad, bobs]);
    expect(result.ok && result.changes.map((c) => [c.call.id, c.after.rule])).toEqual([
      [bobs.id, '/grants/bob/tools/provision_api_key'],
      [bad.id, '/tools/provision_api_key/args'],
    ]);
  });

  it('replays nothing from an invalid draft and says where it is wrong', () => {
    const result = replayCalls('meatspace', '{"version": "1", "default": "maybe"}', [recorded({})]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.path)).toContain('/default');
  });
});
