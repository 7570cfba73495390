import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPolicy, HELD_REASON } from '../../../../src/main/core/clients/default-policy';
import { parsePolicy } from '../../../../src/main/core/policy';
import { resolveRule } from '../../../../src/main/core/policy/resolve-rule';
import { fuzzRuns } from '../../../helpers/fuzz-runs';

describe('the policy a server imported by Protect starts under', () => {
  it('allows the tools marked read-only and holds every other tool for a person', () => {
    const { text, allowed, needsApproval } = defaultPolicy([
      { name: 'get_status', annotations: { readOnlyHint: true } },
      { name: 'delete_repo', annotations: { destructiveHint: true } },
      { name: 'send_mail' },
      // A server that says both is believed in the safe direction.
      { name: 'wipe', annotations: { readOnlyHint: true, destructiveHint: true } },
      { name: 'quoted', annotations: { readOnlyHint: 'true' } },
    ]);
    expect(allowed).toEqual(['get_status']);
    expect(needsApproval).toEqual(['delete_repo', 'send_mail', 'wipe', 'quoted']);
    const parsed = parsePolicy(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(JSON.parse(text)).toMatchObject({
      default: 'require_approval',
      tools: {
        get_status: { action: 'allow' },
        send_mail: { action: 'require_approval', reason: HELD_REASON },
      },
    });
  });

  it('holds everything when the tools could not be listed', () => {
    const { text } = defaultPolicy([]);
    expect(JSON.parse(text)).toEqual({ version: '1', default: 'require_approval', tools: {} });
  });

  it('is a valid policy whatever names a server gives its tools, and each tool gets its rule', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'a.b', '')),
            annotations: fc.option(fc.record({ readOnlyHint: fc.boolean() }), { nil: undefined }),
          }),
          { maxLength: 20 },
        ),
        (tools) => {
          const { text, allowed, needsApproval } = defaultPolicy(tools);
          const parsed = parsePolicy(text);
          expect(parsed.ok).toBe(true);
          if (!parsed.ok) return;
          for (const name of allowed) {
            expect(resolveRule(parsed.value, 'g', name).action).toBe('allow');
          }
          for (const name of needsApproval) {
            expect(resolveRule(parsed.value, 'g', name).action).toBe('require_approval');
          }
          // A tool the server adds later waits for a person too.
          expect(resolveRule(parsed.value, 'g', '\u0000unseen').action).toBe('require_approval');
        },
      ),
      { numRuns: fuzzRuns(200) },
    );
  });
});
