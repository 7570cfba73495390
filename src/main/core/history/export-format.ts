// History exports as text: CSV (RFC 4180, safe to open in a spreadsheet) and JSON Lines. Both
// have the same columns, in the same order; rows arrive already redacted.
import type { JsonStringBytes } from './json-string-bytes';
import { escapeBidiControls } from '../../../shared/bidi-controls';
import type { CallRecord } from './types';

type Cell = string | number | boolean | undefined;

/** Column names, shared by the CSV header and the JSON Lines keys. */
const COLUMNS = [
  'id',
  'receivedAt',
  'decidedAt',
  'finishedAt',
  'grant',
  'session',
  'server',
  'tool',
  'action',
  'decision',
  'decidedBy',
  'rule',
  'reason',
  'policyHash',
  'status',
  'args',
  'argsHash',
  'result',
  'resultTruncated',
  'error',
  /** From arrival to the final decision: the time a person or the policy took. */
  'decisionMs',
  /** From the decision to the result: the time the server took. */
  'upstreamMs',
  /** From arrival to the result or refusal. */
  'totalMs',
] as const;

function cells(call: CallRecord): Cell[] {
  const ran = call.status !== 'not_run' && call.status !== 'running';
  return [
    call.id,
    isoTime(call.receivedAt),
    isoTime(call.decidedAt),
    isoTime(call.finishedAt),
    call.grant,
    call.session,
    call.server,
    call.tool,
    call.action,
    call.decision,
    call.decidedBy,
    call.rule,
    call.reason,
    call.policyHash,
    call.status,
    call.args,
    call.argsHash,
    call.result,
    call.resultTruncated ?? false,
    call.error,
    difference(call.decidedAt, call.receivedAt),
    ran ? difference(call.finishedAt, call.decidedAt) : undefined,
    difference(call.finishedAt, call.receivedAt),
  ];
}

/** A header line, then one line per call; CRLF line ends and quoting as RFC 4180 asks. */
/** An export's text and what it holds. */
export interface HistoryExport {
  content: string;
  rows: number;
  /** True when more calls matched than the export's limit. */
  truncated: boolean;
}

/** An export as the history store hands it over: the text as bytes (see JsonStringBytes). */
export type EncodedExport = Omit<HistoryExport, 'content'> & { content: JsonStringBytes };

export type ExportFormat = 'csv' | 'jsonl';

/** The text of an export of at most `limit` calls, given the newest `limit + 1` that matched. */
export function exportText(
  format: ExportFormat,
  matched: readonly CallRecord[],
  limit: number,
): HistoryExport {
  const rows = matched.slice(0, Math.max(0, limit));
  return {
    content: format === 'csv' ? callsToCsv(rows) : callsToJsonLines(rows),
    rows: rows.length,
    truncated: matched.length > rows.length,
  };
}

export function callsToCsv(rows: Iterable<CallRecord>): string {
  const lines = [COLUMNS.join(',')];
  for (const call of rows) lines.push(cells(call).map(csvCell).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** One JSON object per line, keyed by the CSV's column names; absent values are null. */
export function callsToJsonLines(rows: Iterable<CallRecord>): string {
  let out = '';
  for (const call of rows) {
    const values = cells(call);
    const object = Object.fromEntries(COLUMNS.map((name, i) => [name, values[i] ?? null]));
    // The same JSON, but a bidirectional control an agent sent cannot reorder the line in a viewer.
    out += escapeBidiControls(JSON.stringify(object)) + '\n';
  }
  return out;
}

function csvCell(value: Cell): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  // A spreadsheet runs a cell that starts like a formula; arguments and results come from agents
  // and servers, so such a cell is turned into text with a leading apostrophe (OWASP's advice).
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function isoTime(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function difference(later: number | undefined, earlier: number | undefined): number | undefined {
  return later === undefined || earlier === undefined ? undefined : later - earlier;
}
