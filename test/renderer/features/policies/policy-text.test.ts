import { describe, expect, it } from 'vitest';
import {
  changedGrants,
  changedRules,
  locatePointer,
  readPolicyForm,
  removeClientRules,
  removeGrantRule,
  ruleKey,
  ruleOfPointer,
  setAt,
} from '../../../../src/renderer/src/features/policies/policy-text';

const TEXT = `{
  // the person's own note
  "version": "1",
  "default": "deny",
  "tools": {
    "a/b": { "action": "deny" }
  }
}
`;

describe("the form's view of a policy's text", () => {
  it("reads each client's own default and tool rules", () => {
    const text = setAt(
      setAt(TEXT, ['grants', 'alice', 'default'], 'require_approval'),
      ['grants', 'alice', 'tools', 'x'],
      { reason: 'r' },
    );
    expect(readPolicyForm(text)?.grants).toEqual([
      ['alice', { default: 'require_approval', tools: [['x', { reason: 'r' }]] }],
    ]);
  });

  it("gives a client's rule back without a trace, keeping the rest of the text as written", () => {
    const withRule = setAt(TEXT, ['grants', 'alice', 'tools', 'x'], { action: 'allow' });
    expect(removeGrantRule(withRule, 'alice', 'x')).toBe(TEXT);
    const two = setAt(withRule, ['grants', 'alice', 'default'], 'allow');
    expect(JSON.parse(removeGrantRule(two, 'alice', 'x').replace(/\/\/.*\n/, ''))).toMatchObject({
      grants: { alice: { default: 'allow' } },
    });
    const bob = setAt(withRule, ['grants', 'bob', 'default'], 'deny');
    expect(removeClientRules(removeClientRules(bob, 'alice'), 'bob')).toBe(TEXT);
  });

  it('finds the rules an edit changed, for everyone and for each client', () => {
    const after = setAt(
      setAt(TEXT, ['tools', 'a/b', 'action'], 'allow'),
      ['grants', 'alice', 'tools', 'x'],
      { action: 'allow' },
    );
    const changed = changedRules(TEXT, after);
    expect([...changed].sort()).toEqual(
      [ruleKey({ tool: 'a/b' }), ruleKey({ grant: 'alice', tool: 'x' })].sort(),
    );
    expect(changedGrants(changed)).toEqual(['alice']);
    expect(changedRules(TEXT, TEXT).size).toBe(0);
    expect(changedRules(TEXT, '{ broken').size).toBe(0);
  });

  it("follows a decision's rule pointer to its rule and its line", () => {
    expect(ruleOfPointer('/tools/a~1b/args')).toEqual({ tool: 'a/b' });
    expect(ruleOfPointer('/grants/alice/tools/x/limits/0')).toEqual({ grant: 'alice', tool: 'x' });
    expect(ruleOfPointer('/grants/alice/default')).toEqual({ grant: 'alice' });
    expect(ruleOfPointer('/default')).toEqual({});
    expect(ruleOfPointer('')).toBeUndefined();
    expect(locatePointer(TEXT, '/tools/a~1b')).toEqual({ line: 6, column: 5 });
    expect(locatePointer(TEXT, '/default')).toEqual({ line: 4, column: 3 });
    expect(locatePointer(TEXT, '/tools/missing')).toBeUndefined();
  });
});
