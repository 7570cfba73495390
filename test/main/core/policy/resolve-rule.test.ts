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

describe('a tool name that imitates the one a rule names', () => {
  // The rule allows meatspace's provision_api_key (and alice's override allows it too); the
  // default refuses. Each imitation is a different string, decided under its own name.
  const guarded = policy({
    version: '1',
    default: 'deny',
    tools: { provision_api_key: { action: 'allow' } },
    grants: { alice: { tools: { provision_api_key: { action: 'allow' } } } },
  });

  it.each([
    ['case', 'Provision_Api_Key'],
    ['compatibility forms (full-width p, NFKC)', '\uff50rovision_api_key'],
    ['a zero-width space', 'provision_api\u200b_key'],
    ['confusable letters (Cyrillic е, Greek ο)', 'pr\u03bfvision_api_k\u0435y'],
    ["another server's prefix (underscore)", 'meatspace_provision_api_key'],
    ["another server's prefix (dot)", 'meatspace.provision_api_key'],
  ])("never gets the real tool's rule: %s", (_kind, name) => {
    for (const grant of ['alice', 'bob']) {
      const rule = resolveRule(guarded, grant, name);
      expect(rule.rule, `${grant}: ${name}`).toBe('/default');
      expect(rule.action).toBe('deny');
      expect(isToolVisible(guarded, grant, name)).toBe(false);
    }
    expect(resolveRule(guarded, 'bob', 'provision_api_key').rule).toBe('/tools/provision_api_key');
  });
});
