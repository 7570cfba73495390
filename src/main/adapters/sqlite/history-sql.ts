// The SQL of the history's reads and updates, built from a filter without a database: filters
// to WHERE terms and parameters, the plan for a time window, cursor paging, the free-text query
// for FTS5, partial UPDATEs, and rows back to records. Pure, so it is tested on its own.
import type {
  CallDecision,
  CallRecord,
  CallUpdate,
  HistoryFilter,
  NewCall,
} from '../../core/history/types';
import { toolNameContains } from '../../../shared/tool-name-match';

/** Page size when the query names none, and the most one page may hold. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;
/**
 * Free text matches whole words; a term ending in "*" matches words starting with it, if it has
 * at least this many letters. Whole words are the default because FTS5 returns a word's calls
 * newest first and stops at the page, while a prefix first merges the full list of calls of every
 * word it matches (the README's Performance section has the figures).
 */
const MIN_PREFIX_CHARS = 3;
export const HOUR_MS = 3_600_000;

export interface CallRow {
  id: number;
  received_at: number;
  decided_at: number | null;
  finished_at: number | null;
  grant_name: string;
  session: string;
  server: string;
  tool: string;
  args: string;
  args_hash: string;
  action: NewCall['action'];
  decision: CallDecision;
  decided_by: NewCall['decidedBy'];
  rule: string;
  reason: string;
  policy_hash: string | null;
  status: NewCall['status'];
  result: string | null;
  result_truncated: number;
  error: string | null;
}

export type Param = string | number | null;

export const COLUMNS = [
  'id',
  'received_at',
  'decided_at',
  'finished_at',
  'grant_name',
  'session',
  'server',
  'tool',
  'args',
  'args_hash',
  'action',
  'decision',
  'decided_by',
  'rule',
  'reason',
  'policy_hash',
  'status',
  'result',
  'result_truncated',
  'error',
]
  .map((column) => `c.${column}`)
  .join(', ');

/** What calls_fts indexes for a call: every field a person might search for. */
export const SEARCH_TEXT = `c.tool || ' ' || c.server || ' ' || c.grant_name || ' ' || c.args || ' ' ||
  c.reason || ' ' || coalesce(c.result, '') || ' ' || coalesce(c.error, '')`;

/** CallUpdate fields and the columns they set, in a fixed order so each shape has one SQL text. */
const UPDATE_COLUMNS = [
  ['decision', 'decision'],
  ['decidedBy', 'decided_by'],
  ['decidedAt', 'decided_at'],
  ['reason', 'reason'],
  ['status', 'status'],
  ['finishedAt', 'finished_at'],
  ['result', 'result'],
  ['resultTruncated', 'result_truncated'],
  ['error', 'error'],
] as const satisfies readonly (readonly [keyof CallUpdate, string])[];

/**
 * An UPDATE that sets only the fields the change holds, but the id. Naming a column SQLite does
 * not need to change would make it rewrite every index holding that column: decision sits in
 * five, while a finishing call changes none of them.
 */
export function updateSql(change: CallUpdate): [string, Param[]] {
  const sets: string[] = [];
  const values: Param[] = [];
  for (const [field, column] of UPDATE_COLUMNS) {
    const value = change[field];
    if (value === undefined) continue;
    sets.push(`${column} = ?`);
    values.push(typeof value === 'boolean' ? Number(value) : value);
  }
  return [`UPDATE calls SET ${sets.join(', ')} WHERE id = ?`, values];
}

/**
 * The FTS5 query for the user's free text: each whitespace-separated term becomes a quoted string
 * (so no character the user types is FTS syntax), matched as a word prefix, and the terms are
 * ANDed. Undefined when no term holds a character the tokenizer indexes: such a text filters
 * nothing.
 */
export function ftsQuery(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const terms: string[] = [];
  for (const term of text.split(/\s+/u)) {
    const prefix = term.endsWith('*');
    const word = prefix ? term.replace(/\*+$/u, '') : term;
    // A term without a letter or digit would be an empty phrase, which matches no call at all.
    const indexed = word.match(/[\p{L}\p{N}\p{Co}]/gu)?.length ?? 0;
    if (indexed === 0) continue;
    // NUL ends the query text inside FTS5 ("unterminated string").
    const quoted = `"${word.replace(/\0/g, '').replace(/"/g, '""')}"`;
    terms.push(prefix && indexed >= MIN_PREFIX_CHARS ? `${quoted}*` : quoted);
  }
  return terms.length === 0 ? undefined : terms.join(' AND ');
}

interface FilterSql {
  from: string;
  conditions: string[];
  /** The id column that orders the rows: the FTS rowid when text drives the query. */
  order: string;
  params: Param[];
}

/** A filter whose part of a tool name was resolved to the names that contain it. */
export type ResolvedFilter = Omit<HistoryFilter, 'toolContains'> & { tools?: readonly string[] };

function filterSql(
  filter: ResolvedFilter,
  match: string | undefined,
  before: number | undefined,
): FilterSql {
  const conditions: string[] = [];
  const params: Param[] = [];
  let from = 'calls c';
  let order = 'c.id';
  if (match !== undefined) {
    // CROSS JOIN keeps FTS as the outer loop: it yields matching rowids newest first (no sort)
    // and stops at LIMIT, each call fetched by primary key. The other order would run the FTS
    // query once per candidate call.
    from = 'calls_fts CROSS JOIN calls c ON c.id = calls_fts.rowid';
    order = 'calls_fts.rowid';
    conditions.push('calls_fts MATCH ?');
    params.push(match);
  }
  if (before !== undefined) {
    conditions.push(`${order} < ?`);
    params.push(before);
  }
  if (filter.tools !== undefined) {
    // One name is the common case (a part only one tool has, or a whole name) and reads like
    // the exact filter. Several come as one parameter, so the statement's text (and the cache
    // of prepared statements) does not grow with their number; SQLite still seeks calls_tool
    // once per name and stops each at the page's LIMIT.
    if (filter.tools.length === 1) {
      conditions.push('c.tool = ?');
      params.push(filter.tools[0]!);
    } else if (filter.tools.length === 0) {
      conditions.push('0');
    } else {
      conditions.push('c.tool IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(filter.tools));
    }
  }
  for (const [column, value] of [
    ['c.tool', filter.tool],
    ['c.server', filter.server],
    ['c.grant_name', filter.grant],
    ['c.decision', filter.decision],
  ] as const) {
    if (value !== undefined) {
      conditions.push(`${column} = ?`);
      params.push(value);
    }
  }
  if (filter.from !== undefined) {
    conditions.push('c.received_at >= ?');
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    conditions.push('c.received_at < ?');
    params.push(filter.to);
  }
  return { from, conditions, order, params };
}

/**
 * The filter with its part of a tool name turned into the tool names (of `allTools`) that contain
 * it, so the query reads calls_tool for each name (an index seek each) instead of testing every
 * call's name. A part that every name contains filters nothing, and is dropped: the counts can
 * then come from calls_hourly.
 */
export function resolveTools(filter: HistoryFilter, allTools: () => string[]): ResolvedFilter {
  const { toolContains, ...rest } = filter;
  if (toolContains === undefined) return rest;
  const all = allTools();
  const tools = all.filter((name) => toolNameContains(name, toolContains));
  return tools.length === all.length ? rest : { ...rest, tools };
}

/** SQL text and its parameters. */
export interface Sql {
  sql: string;
  params: Param[];
}

/**
 * The newest-first select for a filter, and its parameters but the trailing LIMIT. `pastWindow`
 * says whether more calls arrived after the filter's time window than inside it (the reader
 * estimates it from the ids at the window's edges); it only chooses a plan: both return the same
 * rows.
 */
export function selectSql(
  filter: ResolvedFilter,
  before: number | undefined,
  pastWindow: () => boolean,
): Sql {
  const match = ftsQuery(filter.text);
  if (match === undefined && filter.to !== undefined && pastWindow()) {
    // Walking ids down from the newest call would read every call after the window first.
    // Instead the window's ids come from calls_received alone (index only, sorted as bare
    // integers, never as whole rows), and only the newest of them are read.
    const window = ['received_at < ?'];
    const params: Param[] = [filter.to];
    if (filter.from !== undefined) {
      window.push('received_at >= ?');
      params.push(filter.from);
    }
    // The unary + keeps these terms from steering SQLite to another index: calls_received
    // holds decision, and every index entry holds the rowid.
    if (filter.decision !== undefined) {
      window.push('+decision = ?');
      params.push(filter.decision);
    }
    if (before !== undefined) {
      window.push('+id < ?');
      params.push(before);
    }
    const rest = filterSql(
      { tool: filter.tool, tools: filter.tools, server: filter.server, grant: filter.grant },
      undefined,
      undefined,
    );
    const conditions = [
      `c.id IN (SELECT id FROM calls WHERE ${window.join(' AND ')})`,
      ...rest.conditions,
    ];
    return {
      sql: `SELECT ${COLUMNS} FROM calls c ${where(conditions)} ORDER BY c.id DESC LIMIT ?`,
      params: [...params, ...rest.params],
    };
  }
  const { from, conditions, order, params } = filterSql(filter, match, before);
  return {
    sql: `SELECT ${COLUMNS} FROM ${from} ${where(conditions)} ORDER BY ${order} DESC LIMIT ?`,
    params,
  };
}

/**
 * Counts per hour and decision counted from the calls, for a filter that names a tool, server,
 * grant or text; undefined when the filter names only time and decision, which the hourly
 * summary answers (hourly-counts.ts).
 */
export function countsSql(filter: ResolvedFilter): Sql | undefined {
  const match = ftsQuery(filter.text);
  if (match === undefined && !filter.tool && !filter.tools && !filter.server && !filter.grant) {
    return undefined;
  }
  const { from, conditions, params } = filterSql(filter, match, undefined);
  return {
    sql: `SELECT (c.received_at / ${HOUR_MS}) * ${HOUR_MS} AS hour, c.decision AS decision,
         count(*) AS count
       FROM ${from} ${where(conditions)}
       GROUP BY hour, c.decision ORDER BY hour, c.decision`,
    params,
  };
}

function where(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
}

/** Opaque to callers; base 36 with a version letter, so the format can change later. */
export function encodeCursor(id: number): string {
  return `c${id.toString(36)}`;
}

export function decodeCursor(cursor: string): number {
  const id = /^c[0-9a-z]{1,11}$/.test(cursor) ? parseInt(cursor.slice(1), 36) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new Error(
      `Invalid history cursor ${JSON.stringify(cursor.slice(0, 40))}: pass the nextCursor of an ` +
        'earlier page, or no cursor for the newest calls.',
    );
  }
  return id;
}

export function toRecord(row: CallRow): CallRecord {
  const record: CallRecord = {
    id: row.id,
    receivedAt: row.received_at,
    grant: row.grant_name,
    session: row.session,
    server: row.server,
    tool: row.tool,
    args: row.args,
    argsHash: row.args_hash,
    action: row.action,
    decision: row.decision,
    decidedBy: row.decided_by,
    rule: row.rule,
    reason: row.reason,
    status: row.status,
  };
  // Absent rather than undefined, so a record equals the NewCall it was made from.
  if (row.decided_at !== null) record.decidedAt = row.decided_at;
  if (row.finished_at !== null) record.finishedAt = row.finished_at;
  if (row.policy_hash !== null) record.policyHash = row.policy_hash;
  if (row.result !== null) record.result = row.result;
  if (row.result_truncated !== 0) record.resultTruncated = true;
  if (row.error !== null) record.error = row.error;
  return record;
}
