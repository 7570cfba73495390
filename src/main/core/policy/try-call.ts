// "What would this draft policy do with this call?": decides one call against a draft, as the
// gatekeeper would, with fresh counters and nothing forwarded, counted or recorded. Backs the
// Policies screen's "Try it" panel.
import type { DecisionSummary } from '../../../shared/contract';
import { Gatekeeper } from '../gatekeeper';
import { RateLimiter } from '../limits/rate-limiter';
import type { JsonProblem } from '../ports';
import { NO_STORE } from './dry-run';
import { PolicyRegistry } from './policy-registry';

export interface TriedCall {
  /** The client; absent for one with no rules of its own. */
  grant?: string;
  tool: string;
  args: Record<string, unknown>;
}

export type TryCallResult =
  { ok: true; decision: DecisionSummary } | { ok: false; errors: JsonProblem[] };

/**
 * Grant names match NAME_PATTERN, which has no empty name, so "" stands for a client the draft has
 * no overrides for.
 */
const NO_GRANT = '';

/**
 * Decides `call` to `server` under `draftText`; an invalid draft decides nothing and returns its
 * problems. Counters start empty, so a rate limit never refuses a single try.
 */
export function tryCall(server: string, draftText: string, call: TriedCall): TryCallResult {
  const clock = { now: () => 0 };
  const policies = new PolicyRegistry({ clock });
  const parsed = policies.load(server, draftText);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const gatekeeper = new Gatekeeper({
    policies,
    limiter: new RateLimiter(NO_STORE, clock),
    clock,
  });
  const decision = gatekeeper.decide({
    server,
    grant: call.grant ?? NO_GRANT,
    session: 'try-it',
    tool: call.tool,
    args: call.args,
  });
  return {
    ok: true,
    decision: { action: decision.action, rule: decision.rule, reason: decision.reason },
  };
}
