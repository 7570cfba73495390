// Which rule applies to a call: the grant's rule for the tool, else the tool's rule, else the
// grant's default, else the policy default. Precomputed rules make this two map lookups.
import type { EffectiveRule, Policy } from './types';

export function resolveRule(policy: Policy, grant: string, tool: string): EffectiveRule {
  const grantRules = policy.grants.get(grant);
  const grantRule = grantRules?.tools.get(tool);
  if (grantRule !== undefined) return grantRule;
  return policy.tools.get(tool) ?? grantRules?.defaultRule ?? policy.defaultRule;
}

/** Tools the policy denies outright for a grant are left out of its tools/list. */
export function isToolVisible(policy: Policy, grant: string, tool: string): boolean {
  return resolveRule(policy, grant, tool).action !== 'deny';
}
