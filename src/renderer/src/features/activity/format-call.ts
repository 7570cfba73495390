// How the Activity screen words a call: its decision and who made it, its status, its durations,
// and its recorded JSON text made readable (its times come from components/format-time.ts, as on
// every screen). Everything returned is plain text.
import type { CallDecision, CallRecord } from '../../../../shared/contract';
import { escapeBidiControls } from '../../../../shared/bidi-controls';

type DecidedBy = CallRecord['decidedBy'];
type Status = CallRecord['status'];
type Action = CallRecord['action'];

const DECISION_WORD: Record<CallDecision, string> = {
  allow: 'allowed',
  deny: 'denied',
  pending: 'pending',
};

const DECIDER: Record<DecidedBy, string> = {
  policy: 'policy',
  person: 'person',
  temporary_grant: 'temporary grant',
  timeout: 'timeout',
  cancel: 'client cancel',
  disconnect: 'disconnect',
  restart: 'restart',
  revoke: 'revocation',
  pause: 'pause',
  airlock: 'Airlock',
};

const STATUS_WORD: Record<Status, string> = {
  running: 'running',
  ok: 'ok',
  tool_error: 'tool error',
  failed: 'failed',
  not_run: 'not run',
};

const ACTION_WORD: Record<Action, string> = {
  allow: 'allow',
  deny: 'deny',
  require_approval: 'require approval',
};

/** "allowed by policy", "denied by person", "pending" (held for a person). */
export function decisionLabel(call: Pick<CallRecord, 'decision' | 'decidedBy'>): string {
  if (call.decision === 'pending') return 'pending';
  return `${DECISION_WORD[call.decision]} by ${DECIDER[call.decidedBy]}`;
}

export function decisionWord(decision: CallDecision): string {
  return DECISION_WORD[decision];
}

export function deciderWord(decidedBy: DecidedBy): string {
  return DECIDER[decidedBy];
}

export function statusLabel(status: Status): string {
  return STATUS_WORD[status];
}

export function actionLabel(action: Action): string {
  return ACTION_WORD[action];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "120 ms", "3.2 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours > 0) return `${hours} h ${minutes} min`;
  return `${minutes} min ${seconds % 60} s`;
}

/**
 * Recorded JSON text, indented, with bidirectional controls written as their JSON escapes (the
 * same JSON, and nothing reordered on screen). Text that is not JSON (a result cut short to fit
 * the history) is returned as it is, with the same escapes.
 */
export function prettyJson(text: string): string {
  let pretty: string;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2) ?? text;
  } catch {
    pretty = text;
  }
  return escapeBidiControls(pretty);
}

/** The value for a datetime-local input, in local time. */
export function toLocalInput(epochMs: number | undefined): string {
  if (epochMs === undefined) return '';
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local input's value as epoch ms, or undefined when empty or invalid. */
export function fromLocalInput(value: string): number | undefined {
  if (value === '') return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}
