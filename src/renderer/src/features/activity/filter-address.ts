// Activity's filters in the address, after the screen's name: #/activity?tool=key&decision=deny.
// A reload, a bookmark or a link someone pasted opens the same calls. The address is typed or
// pasted by anyone, so each value is checked as the filter inputs would check it; anything else
// in it is left out.
import type { CallDecision } from '../../../../shared/contract';
import { DEFAULT_FILTER, type ActivityFilter, type TimeRange } from './activity-store';

const SCREEN = 'activity';
const RANGES: readonly TimeRange[] = ['hour', 'day', 'week', 'all', 'custom'];
const DECISIONS: readonly CallDecision[] = ['allow', 'deny', 'pending'];
/** The same limits as the filter inputs and history.query's schema. */
const NAME_CHARS = 200;
const TEXT_CHARS = 500;

/** Parameter names, in the order they are written: short, and named as the screen labels them. */
const TEXT_PARAMS = [
  ['client', 'grant', NAME_CHARS],
  ['server', 'server', NAME_CHARS],
  ['tool', 'toolContains', NAME_CHARS],
  ['q', 'text', TEXT_CHARS],
] as const;

/** The query part of the address for a filter: '' for the default one. */
export function filterToQuery(filter: ActivityFilter): string {
  const params = new URLSearchParams();
  if (filter.range !== DEFAULT_FILTER.range) params.set('range', filter.range);
  if (filter.range === 'custom') {
    if (filter.from !== undefined) params.set('from', String(filter.from));
    if (filter.to !== undefined) params.set('to', String(filter.to));
  }
  for (const [param, key] of TEXT_PARAMS) {
    const value = filter[key]?.trim();
    if (value) params.set(param, value);
  }
  if (filter.decision) params.set('decision', filter.decision);
  return params.toString();
}

/** The filter a query part names; what it does not name (or names wrongly) is left as default. */
export function filterFromQuery(query: string): ActivityFilter {
  const params = new URLSearchParams(query);
  const filter: ActivityFilter = { ...DEFAULT_FILTER };
  const range = params.get('range');
  if (range !== null && (RANGES as readonly string[]).includes(range)) {
    filter.range = range as TimeRange;
  }
  if (filter.range === 'custom') {
    const from = epochMs(params.get('from'));
    const to = epochMs(params.get('to'));
    if (from !== undefined) filter.from = from;
    if (to !== undefined) filter.to = to;
  }
  for (const [param, key, max] of TEXT_PARAMS) {
    const value = params.get(param)?.trim();
    if (value) filter[key] = value.slice(0, max);
  }
  const decision = params.get('decision');
  if (decision !== null && (DECISIONS as readonly string[]).includes(decision)) {
    filter.decision = decision as CallDecision;
  }
  return filter;
}

/**
 * The query part of an address that names the Activity screen ('' for plain #/activity), or
 * undefined when it names another screen.
 */
export function activityQuery(hash: string): string | undefined {
  const path = hash.replace(/^#\/?/, '');
  const mark = path.indexOf('?');
  const screen = mark === -1 ? path : path.slice(0, mark);
  if (screen !== SCREEN) return undefined;
  return mark === -1 ? '' : path.slice(mark + 1);
}

/** The address of the Activity screen showing `filter`. */
export function addressOf(filter: ActivityFilter): string {
  const query = filterToQuery(filter);
  return `#/${SCREEN}${query ? `?${query}` : ''}`;
}

function epochMs(text: string | null): number | undefined {
  if (text === null || !/^\d{1,15}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
