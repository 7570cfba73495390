// The Activity screen's state: a window onto the call history, newest first, loaded one page at a
// time as the person scrolls (never all of it), the hourly counts for the chart, and the one call
// opened in detail. `call.recorded` events keep it current: a changed row is updated in place, a
// new one goes on top when it matches the filter. Events are applied in batches, so a burst of
// calls costs one update of the list, not one per call.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  Api,
  CallDecision,
  CallRecord,
  CommandInput,
  CommandOutput,
  HourlyCount,
} from '../../../../shared/contract';
import { errorMessage } from '../../../../shared/error-message';
import { toolNameContains } from '../../../../shared/tool-name-match';

export type TimeRange = 'hour' | 'day' | 'week' | 'all' | 'custom';

/** The filter as sent to the core. */
export type QueryFilter = CommandInput<'history.counts'>;

/**
 * The filter as the person set it: the core's filter and a time range. Relative ranges become
 * times when a load starts; `from` and `to` (either may be absent) count only with 'custom'. The
 * screen's Tool box sets `toolContains` (part of a name, any case).
 */
export type ActivityFilter = QueryFilter & { range: TimeRange };

/** What the table shows of a call; the detail pane fetches the arguments, result and error. */
export type CallRow = Omit<CallRecord, 'args' | 'result' | 'error' | 'resultTruncated'>;

export type ExportFile = CommandOutput<'history.export'>;

export interface CallDetail {
  id: number;
  /** Undefined while it loads, or when it could not be loaded (then `error` says why). */
  call?: CallRecord;
  error?: string;
}

/** Values seen in calls so far, for the filter inputs to suggest. */
export interface SeenValues {
  grants: string[];
  servers: string[];
  tools: string[];
}

export interface ActivityState {
  filter: ActivityFilter;
  /** The filter of the rows shown, as sent to the core (relative ranges resolved to times). */
  applied: QueryFilter;
  /** Newest first. */
  rows: CallRow[];
  /** True when older matching calls exist that are not loaded yet. */
  hasMore: boolean;
  /** A page is on its way. */
  loading: boolean;
  /** The first page for the current filter has arrived. */
  loaded: boolean;
  /** Loading older calls failed; paging waits for `loadMore` to be asked again. */
  stalled: boolean;
  /** The list reached its cap: older calls are not loaded. */
  capped: boolean;
  /** Calls per UTC hour and decision for the current filter, oldest first. */
  counts: HourlyCount[];
  selectedId?: number;
  detail?: CallDetail;
  seen: SeenValues;
  exporting: boolean;
  /** What the last export did, for the screen to show. */
  notice?: string;
  error?: string;
  /** Loads the first page and the counts for `filter`, which becomes the filter; else the current one. */
  load(filter?: ActivityFilter): Promise<void>;
  /** Loads the next older page, if there is one and none is on its way. */
  loadMore(): Promise<void>;
  setFilter(change: Partial<ActivityFilter>): void;
  clearFilters(): void;
  select(id: number | undefined): void;
  /** Moves the selection by `delta` rows (clamped); the open detail follows it. */
  moveSelection(delta: number): void;
  /** Opens the detail of a call: the selected one when no id is given. */
  openDetail(id?: number): Promise<void>;
  closeDetail(): void;
  /** Exports the calls matching the filter; the screen turns the answer into a download. */
  exportCalls(format: 'csv' | 'jsonl'): Promise<ExportFile | undefined>;
  dismissError(): void;
  dismissNotice(): void;
}

export interface ActivityStoreOptions {
  now?: () => number;
  /** How long events gather before they are applied together. */
  flushMs?: number;
}

export const PAGE_SIZE = 200;
/**
 * Rows kept in memory at most. Scrolling past this many means reading thousands of calls by eye;
 * a narrower filter or an export serves better, and the screen says so.
 */
export const MAX_ROWS = 50_000;
/** Suggestions kept per filter input. */
const MAX_SEEN = 200;
/** Reasons are shown on one line of the table; the detail pane fetches the whole call. */
const MAX_REASON_CHARS = 300;
const HOUR_MS = 3_600_000;
const RANGE_MS: Record<'hour' | 'day' | 'week', number> = {
  hour: HOUR_MS,
  day: 24 * HOUR_MS,
  week: 7 * 24 * HOUR_MS,
};

export const DEFAULT_FILTER: ActivityFilter = { range: 'all' };

/** The filter as the core takes it, with relative ranges measured back from `now`. */
function queryFilter(filter: ActivityFilter, now: number): QueryFilter {
  const query: QueryFilter = {};
  if (filter.range === 'custom') {
    if (filter.from !== undefined) query.from = filter.from;
    if (filter.to !== undefined) query.to = filter.to;
  } else if (filter.range !== 'all') {
    query.from = Math.max(0, now - RANGE_MS[filter.range]);
  }
  for (const key of ['grant', 'server', 'tool', 'toolContains', 'text'] as const) {
    const value = filter[key]?.trim();
    if (value) query[key] = value;
  }
  if (filter.decision) query.decision = filter.decision;
  return query;
}

/** True when the filter narrows anything. */
export function isFiltered(filter: ActivityFilter): boolean {
  return Object.keys(queryFilter(filter, 0)).length > 0 || filter.range !== 'all';
}

/**
 * Whether a call matches every part of the filter but the free text, which only the core's
 * search index can answer.
 */
function matchesFields(call: CallRow, query: QueryFilter): boolean {
  return (
    (query.from === undefined || call.receivedAt >= query.from) &&
    (query.to === undefined || call.receivedAt < query.to) &&
    (query.grant === undefined || call.grant === query.grant) &&
    (query.server === undefined || call.server === query.server) &&
    (query.tool === undefined || call.tool === query.tool) &&
    (query.toolContains === undefined || toolNameContains(call.tool, query.toolContains)) &&
    (query.decision === undefined || call.decision === query.decision)
  );
}

function toRow(call: CallRecord): CallRow {
  const { args: _args, result: _result, error: _error, resultTruncated: _cut, ...row } = call;
  if (row.reason.length > MAX_REASON_CHARS) row.reason = row.reason.slice(0, MAX_REASON_CHARS);
  return row;
}

/** Merges rows, each list newest first and without shared ids, into one list newest first. */
function mergeNewestFirst(a: CallRow[], b: CallRow[]): CallRow[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const merged: CallRow[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) merged.push(a[i]!.id > b[j]!.id ? a[i++]! : b[j++]!);
  while (i < a.length) merged.push(a[i++]!);
  while (j < b.length) merged.push(b[j++]!);
  return merged;
}

/** Adds `delta` calls of `decision` to the hour of `receivedAt`. */
function addCount(
  counts: Map<string, HourlyCount>,
  receivedAt: number,
  decision: CallDecision,
  delta: number,
): void {
  const hour = Math.floor(receivedAt / HOUR_MS) * HOUR_MS;
  const key = `${hour}:${decision}`;
  const entry = counts.get(key) ?? { hour, decision, count: 0 };
  counts.set(key, { ...entry, count: Math.max(0, entry.count + delta) });
}

function addSeen(seen: SeenValues, calls: readonly CallRow[]): SeenValues {
  let next = seen;
  for (const [key, field] of [
    ['grants', 'grant'],
    ['servers', 'server'],
    ['tools', 'tool'],
  ] as const) {
    const known = new Set(next[key]);
    const before = known.size;
    for (const call of calls) {
      if (known.size >= MAX_SEEN) break;
      known.add(call[field]);
    }
    if (known.size !== before) next = { ...next, [key]: [...known].sort() };
  }
  return next;
}

export function createActivityStore(
  api: Api,
  options: ActivityStoreOptions = {},
): StoreApi<ActivityState> & { stop(): void } {
  const now = options.now ?? Date.now;
  const flushMs = options.flushMs ?? 100;
  /** Bumped by every load; answers for an older load are dropped. */
  let generation = 0;
  /** The cursor of the next older page. */
  let nextCursor: string | undefined;
  /** Events not applied yet, the newest per call. */
  const queued = new Map<number, CallRecord>();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let headRunning = false;
  let headAgain = false;

  const store = createStore<ActivityState>()((set, get) => ({
    filter: DEFAULT_FILTER,
    applied: {},
    rows: [],
    hasMore: false,
    loading: false,
    loaded: false,
    stalled: false,
    capped: false,
    counts: [],
    seen: { grants: [], servers: [], tools: [] },
    exporting: false,

    async load(filter) {
      const load = ++generation;
      if (filter) set({ filter });
      const applied = queryFilter(get().filter, now());
      nextCursor = undefined;
      set({
        applied,
        rows: [],
        hasMore: false,
        loading: true,
        loaded: false,
        stalled: false,
        capped: false,
        counts: [],
      });
      // The counts are asked for once the rows are in: the core answers one request at a time,
      // and the counts read every matching call (slow at a million: README, Performance), the
      // rows one page.
      try {
        const page = await api.call('history.query', { ...applied, limit: PAGE_SIZE });
        if (load !== generation) return;
        nextCursor = page.nextCursor;
        const rows = page.calls.map(toRow);
        set({
          rows,
          hasMore: nextCursor !== undefined,
          loading: false,
          loaded: true,
          seen: addSeen(get().seen, rows),
        });
        // Events that came while the page was on its way are newer than it or equal to it.
        flush();
      } catch (error) {
        if (load !== generation) return;
        set({ error: errorMessage(error), loading: false });
      }
      try {
        const { counts } = await api.call('history.counts', applied);
        if (load === generation) set({ counts });
      } catch (error) {
        if (load === generation) set({ error: errorMessage(error) });
      }
    },

    async loadMore() {
      const state = get();
      if (!state.loaded || state.loading || nextCursor === undefined) return;
      const load = generation;
      set({ loading: true, stalled: false });
      try {
        const page = await api.call('history.query', {
          ...state.applied,
          cursor: nextCursor,
          limit: PAGE_SIZE,
        });
        if (load !== generation) return;
        const rows = get().rows;
        const oldest = rows.at(-1)?.id ?? Infinity;
        // A live event may have put a row of this page in the list already.
        const older = page.calls.filter((c) => c.id < oldest).map(toRow);
        nextCursor = page.nextCursor;
        set({ ...capped([...rows, ...older]), loading: false, seen: addSeen(get().seen, older) });
      } catch (error) {
        if (load !== generation) return;
        set({ error: errorMessage(error), loading: false, stalled: true });
      }
    },

    setFilter(change) {
      const filter = { ...get().filter, ...change };
      const before = get().filter;
      const same = (Object.keys(filter) as (keyof ActivityFilter)[]).every(
        (key) => filter[key] === before[key],
      );
      if (same) return;
      set({ filter });
      void get().load();
    },

    clearFilters() {
      set({ filter: DEFAULT_FILTER });
      void get().load();
    },

    select: (id) => set({ selectedId: id }),

    moveSelection(delta) {
      const { rows, selectedId, detail } = get();
      if (rows.length === 0) return;
      const at = selectedId === undefined ? -1 : rows.findIndex((r) => r.id === selectedId);
      const index = at === -1 ? (delta > 0 ? 0 : rows.length - 1) : at + delta;
      const row = rows[Math.min(rows.length - 1, Math.max(0, index))]!;
      set({ selectedId: row.id });
      if (detail && detail.id !== row.id) void get().openDetail(row.id);
    },

    async openDetail(id = get().selectedId) {
      if (id === undefined) return;
      set({ selectedId: id, detail: { id } });
      try {
        const { call } = await api.call('history.get', { id });
        if (get().detail?.id === id) set({ detail: { id, call } });
      } catch (error) {
        if (get().detail?.id === id) set({ detail: { id, error: errorMessage(error) } });
      }
    },

    closeDetail: () => set({ detail: undefined }),

    async exportCalls(format) {
      if (get().exporting) return undefined;
      set({ exporting: true, notice: undefined });
      try {
        const file = await api.call('history.export', { format, filter: get().applied });
        set({
          notice: file.truncated
            ? `Exported the newest ${file.rows.toLocaleString('en-US')} matching calls, the most one export holds; more matched. Narrow the filters to export the rest.`
            : `Exported ${file.rows.toLocaleString('en-US')} ${file.rows === 1 ? 'call' : 'calls'} to ${file.filename}.`,
        });
        return file;
      } catch (error) {
        set({ error: errorMessage(error) });
        return undefined;
      } finally {
        set({ exporting: false });
      }
    },

    dismissError: () => set({ error: undefined }),
    dismissNotice: () => set({ notice: undefined }),
  }));

  /** The list cut to MAX_ROWS; once cut, no older page is loaded. */
  function capped(rows: CallRow[]): Pick<ActivityState, 'rows' | 'hasMore' | 'capped'> {
    if (rows.length > MAX_ROWS) {
      nextCursor = undefined;
      return { rows: rows.slice(0, MAX_ROWS), hasMore: false, capped: true };
    }
    return { rows, hasMore: nextCursor !== undefined, capped: store.getState().capped };
  }

  function flush(): void {
    flushTimer = undefined;
    const state = store.getState();
    // Until the first page is in, there is nothing to update; load() flushes when it arrives.
    if (!state.loaded || queued.size === 0) return;
    const batch = [...queued.values()];
    queued.clear();
    const { applied } = state;
    const byText = applied.text !== undefined;
    const index = new Map(state.rows.map((row, i) => [row.id, i]));
    const oldest = state.rows.at(-1)?.id ?? Infinity;
    let rows = state.rows;
    const removed = new Set<number>();
    const fresh: CallRow[] = [];
    const counts = new Map(state.counts.map((c) => [`${c.hour}:${c.decision}`, c]));
    let countsChanged = false;
    let unknownForText = false;

    for (const call of batch) {
      const row = toRow(call);
      const at = index.get(call.id);
      if (at !== undefined) {
        const before = rows[at]!;
        if (rows === state.rows) rows = rows.slice();
        const still = matchesFields(row, applied);
        if (still) rows[at] = row;
        else removed.add(call.id);
        if (before.decision !== row.decision || !still) {
          addCount(counts, before.receivedAt, before.decision, -1);
          if (still) addCount(counts, row.receivedAt, row.decision, +1);
          countsChanged = true;
        }
      } else if (byText) {
        // Only the core's index knows if the text matches: ask it for the newest page.
        unknownForText = true;
      } else if (matchesFields(row, applied) && (call.id > oldest || nextCursor === undefined)) {
        // Older than the loaded rows while more are to load: paging will bring it.
        fresh.push(row);
        addCount(counts, row.receivedAt, row.decision, +1);
        countsChanged = true;
      }
    }

    if (removed.size > 0) rows = rows.filter((r) => !removed.has(r.id));
    fresh.sort((a, b) => b.id - a.id);
    const detail = state.detail;
    const update = batch.find((c) => c.id === detail?.id);
    store.setState({
      ...(rows !== state.rows || fresh.length > 0 ? capped(mergeNewestFirst(rows, fresh)) : {}),
      ...(countsChanged ? { counts: sortedCounts(counts) } : {}),
      ...(update ? { detail: { id: update.id, call: update } } : {}),
      seen: addSeen(state.seen, batch),
    });
    if (unknownForText) void fetchHead();
  }

  /**
   * With free text, new calls come from the core's newest page: those newer than the list go on
   * top. If they fill the whole page, older ones may be missing between, so the list reloads.
   */
  async function fetchHead(): Promise<void> {
    if (headRunning) {
      headAgain = true;
      return;
    }
    headRunning = true;
    const load = generation;
    try {
      const { applied } = store.getState();
      const page = await api.call('history.query', { ...applied, limit: PAGE_SIZE });
      if (load !== generation) return;
      const state = store.getState();
      const newest = state.rows[0]?.id ?? 0;
      const fresh = page.calls.filter((c) => c.id > newest).map(toRow);
      if (state.rows.length > 0 && fresh.length === page.calls.length && page.nextCursor) {
        void state.load();
        return;
      }
      if (fresh.length === 0) return;
      if (state.rows.length === 0) nextCursor = page.nextCursor;
      const counts = new Map(state.counts.map((c) => [`${c.hour}:${c.decision}`, c]));
      for (const row of fresh) addCount(counts, row.receivedAt, row.decision, +1);
      store.setState({
        ...capped([...fresh, ...state.rows]),
        counts: sortedCounts(counts),
        seen: addSeen(state.seen, fresh),
      });
    } catch (error) {
      if (load === generation) store.setState({ error: errorMessage(error) });
    } finally {
      headRunning = false;
      if (headAgain) {
        headAgain = false;
        void fetchHead();
      }
    }
  }

  const unsubscribe = api.on((event) => {
    if (event.name !== 'call.recorded') return;
    queued.set(event.data.call.id, event.data.call);
    flushTimer ??= setTimeout(flush, flushMs);
  });

  return Object.assign(store, {
    stop() {
      unsubscribe();
      if (flushTimer !== undefined) clearTimeout(flushTimer);
      flushTimer = undefined;
      queued.clear();
      generation++;
    },
  });
}

function sortedCounts(counts: Map<string, HourlyCount>): HourlyCount[] {
  return [...counts.values()]
    .filter((c) => c.count > 0)
    .sort((a, b) => a.hour - b.hour || a.decision.localeCompare(b.decision));
}
