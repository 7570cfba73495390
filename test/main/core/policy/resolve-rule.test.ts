import { describe, expect, it } from 'vitest';
import {
  isToolVisible,
  parsePolicy,
  resolveRule,
  type Policy,
} from '../../../../src/main/core/policy';

function policy(value: unknown): Policy {
  const result = parsePolicy(JSON.stringify(value));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

const layered = policy({
  version: '1',
  default: 'deny',
  tools: {
    shared: { action: 'allow', reason: 'top level' },
    top_only: { action: 'require_approval' },
  },
  grants: {
    alice: {
      default: 'allow',
      tools: { shared: { action: 'deny', reason: 'not for alice' } },
    },
    bob: { tools: { extra: {} } },
  },
});

describe('resolveRule', () => {
  it.each([
    // grant, tool, action, rule, reason
    ['alice', 'shared', 'deny', '/grants/alice/tools/shared', 'not for alice'],
    ['alice', 'top_only', 'require_approval', '/tools/top_only', undefined],
    ['alice', 'unlisted', 'allow', '/grants/alice/default', undefined],
    ['bob', 'shared', 'allow', '/tools/shared', 'top level'],
    ['bob', 'extra', 'allow', '/grants/bob/tools/extra', undefined],
    ['bob', 'unlisted', 'deny', '/default', undefined],
    ['carol', 'extra', 'deny', '/default', undefined],
    ['carol', 'shared', 'allow', '/tools/shared', 'top level'],
  ])('grant %s, tool %s → %s by %s', (grant, tool, action, rule, reason) => {
    const resolved = resolveRule(layered, grant, tool);
    expect(resolved.action).toBe(action);
    expect(resolved.rule).toBe(rule);
    expect(resolved.reason).toBe(reason);
  });

  it("takes the grant's whole rule, not a merge with the top-level one", () => {
    const p = policy({
      version: '1',
      tools: { t: { limits: [{ counter: 'c', window: 60, max: 1 }], reason: 'top' } },
      grants: { alice: { tools: { t: {} } } },
    });
    expect(resolveRule(p, 'alice', 't').limits).toEqual([]);
    expect(resolveRule(p, 'alice', 't').reason).toBeUndefined();
    expect(resolveRule(p, 'bob', 't').limits).toHaveLength(1);
  });

  it('escapes tool names in grant rule pointers', () => {
    const p = policy({ version: '1', grants: { alice: { tools: { 'x/y': {} } } } });
    expect(resolveRule(p, 'alice', 'x/y').rule).toBe('/grants/alice/tools/x~1y');
  });
});

describe('isToolVisible', () => {
  it.each([
    ['alice', 'shared', false],
    ['alice', 'unlisted', true],
    ['bob', 'shared', true],
    ['bob', 'top_only', true],
    ['bob', 'unlisted', false],
  ])('grant %s sees %s: %s', (grant, tool, visible) => {
    expect(isToolVisible(layered, grant, tool)).toBe(visible);
  });
});
