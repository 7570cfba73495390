// What a policy does with one tool, in one word a person can scan: allowed, limited (allowed within
// rate limits or argument rules), needs approval, or denied, with the rule that says so and why.
// Computed for the policy's own rules (no grant override) and for each grant whose override differs.
import { humanizeWindow } from '../durations';
import type { GrantRisk, RiskSummary, ToolRisk, ToolRiskReport } from '../../../shared/model/tools';
import type { EffectiveRule, Limit, Policy } from './types';

/** The risk of `tool` under `policy`; without a policy in force every call is refused. */
export function toolRisk(policy: Policy | undefined, tool: string): ToolRiskReport {
  if (policy === undefined) {
    return {
      risk: 'denied',
      rule: '',
      reason: 'No valid policy is in force for this server, so every call is refused.',
      grants: [],
    };
  }
  const base = policy.tools.get(tool) ?? policy.defaultRule;
  const summary = summarize(base, tool);
  const grants: GrantRisk[] = [];
  for (const [grant, rules] of [...policy.grants].sort(([a], [b]) => a.localeCompare(b))) {
    const rule = rules.tools.get(tool) ?? (policy.tools.has(tool) ? undefined : rules.defaultRule);
    if (rule === undefined) continue;
    const own = summarize(rule, tool);
    if (own.risk !== summary.risk || own.rule !== summary.rule) grants.push({ grant, ...own });
  }
  return { ...summary, grants };
}

/** The risk one effective rule carries. */
export function riskOf(rule: EffectiveRule): ToolRisk {
  if (rule.action === 'deny') return 'denied';
  if (rule.action === 'require_approval') return 'needs_approval';
  return rule.limits.length > 0 || rule.validateArgs !== undefined ? 'limited' : 'allowed';
}

function summarize(rule: EffectiveRule, tool: string): RiskSummary {
  const risk = riskOf(rule);
  return { risk, rule: rule.rule, reason: rule.reason ?? describe(rule, risk, tool) };
}

const SCOPE_WORDS: Record<Limit['scope'], string> = {
  grant: 'for each client',
  session: 'for each session',
  global: 'across all clients',
};

function describe(rule: EffectiveRule, risk: ToolRisk, tool: string): string {
  const unlisted = rule.rule === '/default' || rule.rule.endsWith('/default');
  const source = unlisted ? `${tool} is not listed; the default` : 'The rule';
  switch (risk) {
    case 'denied':
      return `${source} refuses every call.`;
    case 'needs_approval':
      return `${source} holds every call until a person allows it.`;
    case 'allowed':
      return `${source} allows every call.`;
    case 'limited': {
      const parts = rule.limits.map(
        (limit) =>
          `at most ${limit.max} per ${humanizeWindow(limit.windowMs)} ${SCOPE_WORDS[limit.scope]}` +
          (limit.onExceed === 'require_approval' ? ' (then asks a person)' : ''),
      );
      if (rule.validateArgs !== undefined) parts.push('arguments must match the rule');
      return `${source} allows calls: ${parts.join('; ')}.`;
    }
  }
}
