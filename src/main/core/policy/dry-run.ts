// "What would this draft policy have done?": replays recorded calls against a draft, in the order
// they arrived and with fresh counters, so rate limits count as they would have, and lists the
// calls whose decision changes. Nothing is counted in the real limiter and nothing is recorded.
import type { DecisionSummary, DryRunChange } from '../../../shared/contract';
import { Gatekeeper } from '../gatekeeper';
import type { CallRecord } from '../history/types';
import { RateLimiter } from '../limits/rate-limiter';
import type { CounterStore, JsonProblem } from '../ports';
import { PolicyRegistry } from './policy-registry';
import { resolveRule } from './resolve-rule';

export type DryRunResult =
  | {
      ok: true;
      /** How many calls were replayed. */
      replayed: number;
      /** Newest first, like the history. */
      changes: DryRunChange[];
    }
  | { ok: false; errors: JsonProblem[] };

/** Counters that live only for one replay (or one try); nothing is read or written. */
export const NO_STORE: CounterStore = {
  loadSince: () => [],
  append: () => {},
  pruneBefore: () => {},
  renameGrant: () => {},
};

/**
 * Replays `calls` (any order; replayed oldest first) to one server against the draft policy text;
 * an invalid draft replays nothing and returns its problems. A call held for
 * a person under the draft is counted against its limits only if it really ran, as a person's
 * answer would have. The recorded arguments are redacted, so an argument rule on a secret sees the
 * redacted text; callers say so where they show the result.
 */
export function replayCalls(
  server: string,
  draftText: string,
  calls: readonly CallRecord[],
): DryRunResult {
  let now = 0;
  const clock = { now: () => now };
  const policies = new PolicyRegistry({ clock });
  const parsed = policies.load(server, draftText);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const draft = parsed.value;
  const limiter = new RateLimiter(NO_STORE, clock);
  const gatekeeper = new Gatekeeper({ policies, limiter, clock });

  const changes: DryRunChange[] = [];
  const oldestFirst = [...calls].sort((a, b) => a.receivedAt - b.receivedAt || a.id - b.id);
  for (const call of oldestFirst) {
    now = call.receivedAt;
    const toolCall = {
      server,
      grant: call.grant,
      session: call.session,
      tool: call.tool,
      args: recordedArgs(call.args),
    };
    const decision = gatekeeper.decide(toolCall);
    if (decision.action === 'require_approval' && call.decision === 'allow') {
      const rule = resolveRule(draft, call.grant, call.tool);
      limiter.consume(rule.limits, toolCall);
    }
    const after: DecisionSummary = {
      action: decision.action,
      rule: decision.rule,
      reason: decision.reason,
    };
    if (after.action !== call.action) {
      changes.push({
        call,
        before: { action: call.action, rule: call.rule, reason: call.reason },
        after,
      });
    }
  }
  return { ok: true, replayed: oldestFirst.length, changes: changes.reverse() };
}

/** The arguments as recorded; a row whose text was cut to fit the history has none to show. */
function recordedArgs(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
