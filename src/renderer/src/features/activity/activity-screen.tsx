// Activity: every recorded call, newest first, in a virtualized table that loads as the person
// scrolls and takes new calls live; filters and free-text search, a chart of calls over time by
// decision, the detail of one call, and export. Keyboard: j/k or arrows move the selection, Enter
// opens its detail, Esc closes it. Everything from the core is shown as text.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { CallDecision } from '../../../../shared/contract';
import {
  isFiltered,
  type ActivityFilter,
  type ActivityState,
  type ExportFile,
  type TimeRange,
} from './activity-store';
import { ErrorBanner, ScreenHeader } from '../../components/screen-parts';
import { CallDetailPane } from './call-detail';
import { CallsChart } from './calls-chart';
import { CallsTable } from './calls-table';
import { fromLocalInput, toLocalInput } from './format-call';
import { activityQuery, addressOf, filterFromQuery, filterToQuery } from './filter-address';
import './activity.css';

/** How long typing rests before a text filter applies. */
const TYPING_DELAY_MS = 250;

const RANGES: { value: TimeRange; label: string }[] = [
  { value: 'hour', label: 'Last hour' },
  { value: 'day', label: 'Last 24 hours' },
  { value: 'week', label: 'Last 7 days' },
  { value: 'all', label: 'All time' },
  { value: 'custom', label: 'Custom…' },
];

const DECISIONS: { value: CallDecision | ''; label: string }[] = [
  { value: '', label: 'Any' },
  { value: 'allow', label: 'Allowed' },
  { value: 'deny', label: 'Denied' },
  { value: 'pending', label: 'Pending' },
];

export function ActivityScreen({
  store,
  onOpenPending,
}: {
  store: StoreApi<ActivityState>;
  /** Opens Pending, where a held call is answered. */
  onOpenPending?(): void;
}) {
  const rows = useStore(store, (s) => s.rows);
  const loaded = useStore(store, (s) => s.loaded);
  const filter = useStore(store, (s) => s.filter);
  const error = useStore(store, (s) => s.error);
  const detail = useStore(store, (s) => s.detail);
  const filtered = isFiltered(filter);
  const nothingYet = loaded && rows.length === 0 && !filtered;

  // The filters live in the address too (#/activity?tool=...): a reload or a link opens them. An
  // address without them (the Activity tab) keeps the filters the screen had.
  useEffect(() => {
    const query = activityQuery(window.location.hash);
    void store.getState().load(query ? filterFromQuery(query) : undefined);
    // Back, Forward or an edited address while the screen is open.
    const follow = () => {
      const query = activityQuery(window.location.hash);
      if (query === undefined) return;
      const wanted = filterFromQuery(query);
      if (filterToQuery(wanted) !== filterToQuery(store.getState().filter)) {
        void store.getState().load(wanted);
      }
    };
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, [store]);

  // Each change of the filters replaces the address, rather than adding a history entry per edit.
  useEffect(() => {
    const address = addressOf(filter);
    if (window.location.hash !== address) window.history.replaceState(null, '', address);
  }, [filter]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, button, a')) return;
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      const state = store.getState();
      if (event.key === 'j' || event.key === 'ArrowDown') state.moveSelection(1);
      else if (event.key === 'k' || event.key === 'ArrowUp') state.moveSelection(-1);
      else if (event.key === 'Enter' && state.selectedId !== undefined) void state.openDetail();
      else if (event.key === 'Escape' && state.detail) state.closeDetail();
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  return (
    <section className="screen activity" aria-labelledby="activity-title">
      <ScreenHeader
        id="activity-title"
        title="Activity"
        count={
          rows.length === 1 ? '1 call shown' : `${rows.length.toLocaleString('en-US')} calls shown`
        }
      />
      <ErrorBanner message={error} onDismiss={() => store.getState().dismissError()} />
      <Filters store={store} />
      {nothingYet ? (
        <NoCallsYet />
      ) : (
        <>
          <ExportBar store={store} />
          <Chart store={store} />
          {loaded && rows.length === 0 ? (
            <div className="empty">
              <p>No calls match these filters.</p>
              {filter.text && (
                <p className="muted">
                  Search matches whole words; end a word with * to match words that start with it.
                </p>
              )}
              <p>
                <button type="button" onClick={() => store.getState().clearFilters()}>
                  Clear filters
                </button>
              </p>
            </div>
          ) : (
            <CallsTable store={store} onOpenPending={onOpenPending} />
          )}
          {detail && (
            <CallDetailPane
              detail={detail}
              onClose={() => store.getState().closeDetail()}
              onOpenPending={onOpenPending}
            />
          )}
        </>
      )}
    </section>
  );
}

function NoCallsYet() {
  return (
    <div className="empty">
      <p>No calls yet.</p>
      <p className="muted">
        Every tool call an agent makes through Airlock appears here as it happens: which client made
        it, the server and tool, what the policy decided and why, and what came back.
      </p>
      <p className="muted">
        To see calls, point an agent at a server&rsquo;s endpoint (
        <code>http://127.0.0.1:PORT/mcp/&lt;server&gt;</code>) with a client token: the Clients
        screen creates one and shows the configuration to paste.
      </p>
    </div>
  );
}

function Filters({ store }: { store: StoreApi<ActivityState> }) {
  const filter = useStore(store, (s) => s.filter);
  const seen = useStore(store, (s) => s.seen);
  const set = (change: Partial<ActivityFilter>) => store.getState().setFilter(change);

  return (
    <form
      className="activity-filters"
      role="search"
      aria-label="Filter calls"
      onSubmit={(event) => event.preventDefault()}
    >
      <label>
        <span>Time</span>
        <select
          value={filter.range}
          onChange={(event) => set({ range: event.target.value as TimeRange })}
        >
          {RANGES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      {filter.range === 'custom' && (
        <>
          <label>
            <span>From</span>
            <input
              type="datetime-local"
              value={toLocalInput(filter.from)}
              onChange={(event) => set({ from: fromLocalInput(event.target.value) })}
            />
          </label>
          <label>
            <span>To</span>
            <input
              type="datetime-local"
              value={toLocalInput(filter.to)}
              onChange={(event) => set({ to: fromLocalInput(event.target.value) })}
            />
          </label>
        </>
      )}
      <TextFilter
        label="Client"
        value={filter.grant}
        options={seen.grants}
        onCommit={(grant) => set({ grant })}
      />
      <TextFilter
        label="Server"
        value={filter.server}
        options={seen.servers}
        onCommit={(server) => set({ server })}
      />
      <TextFilter
        label="Tool"
        value={filter.toolContains}
        options={seen.tools}
        onCommit={(toolContains) => set({ toolContains })}
      />
      <label>
        <span>Decision</span>
        <select
          value={filter.decision ?? ''}
          onChange={(event) =>
            set({ decision: (event.target.value || undefined) as CallDecision | undefined })
          }
        >
          {DECISIONS.map((d) => (
            <option key={d.value} value={d.value}>
              {d.label}
            </option>
          ))}
        </select>
      </label>
      <TextFilter
        label="Search"
        type="search"
        className="search"
        value={filter.text}
        placeholder="whole words, or word* for prefixes"
        describedBy="activity-search-hint"
        onCommit={(text) => set({ text })}
      />
      {isFiltered(filter) && (
        <button type="button" className="link" onClick={() => store.getState().clearFilters()}>
          Clear filters
        </button>
      )}
      <p id="activity-search-hint" className="hint muted">
        Search looks in tools, servers, clients, arguments, results, reasons and errors. It matches
        whole words; end a word with * to match words that start with it (3 letters or more). Tool
        matches any part of a name, in any case; client and server match exactly.
      </p>
    </form>
  );
}

/**
 * A text input whose value applies once typing rests, so each keystroke does not start a new
 * query. A value changed from outside (Clear filters) replaces what is typed.
 */
function TextFilter({
  label,
  value,
  options,
  onCommit,
  type = 'text',
  className,
  placeholder,
  describedBy,
}: {
  label: string;
  value: string | undefined;
  options?: string[];
  onCommit(value: string | undefined): void;
  type?: 'text' | 'search';
  className?: string;
  placeholder?: string;
  describedBy?: string;
}) {
  const [draft, setDraft] = useState(value ?? '');
  const committed = useRef(value ?? '');
  const commit = useRef(onCommit);
  commit.current = onCommit;

  useEffect(() => {
    if ((value ?? '') !== committed.current) {
      committed.current = value ?? '';
      setDraft(value ?? '');
    }
  }, [value]);

  useEffect(() => {
    if (draft === committed.current) return;
    const timer = setTimeout(() => {
      committed.current = draft;
      commit.current(draft.trim() === '' ? undefined : draft);
    }, TYPING_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draft]);

  const listId = options ? `activity-${label.toLowerCase()}-options` : undefined;
  const maxLength = type === 'search' ? 500 : 200;
  return (
    <label className={className}>
      <span>{label}</span>
      <input
        type={type}
        value={draft}
        list={listId}
        placeholder={placeholder ?? 'any'}
        aria-describedby={describedBy}
        maxLength={maxLength}
        onChange={(event) => setDraft(event.target.value)}
      />
      {options && (
        <datalist id={listId}>
          {/* A tool name of a megabyte (a server chose it) could not be typed here anyway. */}
          {options
            .filter((option) => option.length <= maxLength)
            .map((option) => (
              <option key={option} value={option} />
            ))}
        </datalist>
      )}
    </label>
  );
}

function Chart({ store }: { store: StoreApi<ActivityState> }) {
  const counts = useStore(store, (s) => s.counts);
  const applied = useStore(store, (s) => s.applied);
  const range = useMemo(() => ({ from: applied.from, to: applied.to }), [applied]);
  // The chart runs to the hour of the latest counts; new counts move it on.
  const now = useMemo(() => Date.now(), [counts]);
  return <CallsChart counts={counts} range={range} now={now} />;
}

function ExportBar({ store }: { store: StoreApi<ActivityState> }) {
  const exporting = useStore(store, (s) => s.exporting);
  const notice = useStore(store, (s) => s.notice);
  const run = async (format: 'csv' | 'jsonl') => {
    const file = await store.getState().exportCalls(format);
    if (file) download(file);
  };
  return (
    <div className="export-bar">
      <button type="button" disabled={exporting} onClick={() => void run('csv')}>
        Export CSV
      </button>
      <button type="button" disabled={exporting} onClick={() => void run('jsonl')}>
        Export JSONL
      </button>
      <span className="hint muted">The calls matching the filters, newest first.</span>
      {notice && (
        <span className="export-notice" role="status">
          {notice}{' '}
          <button type="button" className="link" onClick={() => store.getState().dismissNotice()}>
            Dismiss
          </button>
        </span>
      )}
    </div>
  );
}

/** Saves the exported text as a file through the browser's own download. */
function download(file: ExportFile): void {
  const url = URL.createObjectURL(new Blob([file.content], { type: file.mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.filename;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once it starts; the URL is not needed after this turn.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
