// The CallToolResult an agent gets for a call Airlock did not run: isError, a text that says who
// refused it and why, and the decision in _meta for agents that read structure.
import { formatRetryDelay } from '../durations';
import { refusalText, type Decision } from '../gatekeeper';
import type { DecidedBy } from '../history/types';

export interface Refusal {
  content: { type: 'text'; text: string }[];
  isError: true;
  _meta: Record<string, unknown>;
}

/** A refusal by the policy (a rule, an argument check or a limit). */
export function policyRefusal(decision: Decision, tool: string): Refusal {
  return refusal(refusalText(decision, tool), 'policy', decision);
}

/** A refusal for a held call: by a person, a timeout, or Airlock itself. */
export function heldRefusal(
  text: string,
  decidedBy: DecidedBy,
  decision: Pick<Decision, 'rule' | 'reason'>,
): Refusal {
  return refusal(text, decidedBy, { action: 'deny', ...decision });
}

export function timeoutText(tool: string, timeoutMs: number): string {
  return `Airlock refused "${tool}": no one approved the call within ${formatRetryDelay(timeoutMs)}, so it was not run.`;
}

export function deniedText(tool: string, message: string | undefined): string {
  return message
    ? `Airlock refused "${tool}": a person denied the call with this message: ${message}`
    : `Airlock refused "${tool}": a person denied the call.`;
}

function refusal(
  text: string,
  decidedBy: DecidedBy,
  decision: Pick<Decision, 'rule' | 'reason' | 'retryAfterMs'> & { action: string },
): Refusal {
  return {
    content: [{ type: 'text', text }],
    isError: true,
    _meta: {
      'airlock/decision': {
        action: decision.action,
        decidedBy,
        rule: decision.rule,
        reason: decision.reason,
        ...(decision.retryAfterMs !== undefined ? { retryAfterMs: decision.retryAfterMs } : {}),
      },
    },
  };
}
