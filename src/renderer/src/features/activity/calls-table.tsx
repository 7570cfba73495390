// The history as a virtualized grid: only the rows in view (and a few either side) are in the
// DOM, whatever the number loaded, so it stays smooth however far the person scrolls. Older pages
// load as the end comes near; rows that arrive on top do not move what the person is reading.
import { memo, useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { observeElementRect, useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { StoreApi } from 'zustand/vanilla';
import { MAX_ROWS, type ActivityState, type CallRow } from './activity-store';
import { decisionLabel, decisionWord, statusLabel } from './format-call';
import { formatFullTime, formatTime } from '../../components/format-time';
import { NAME_MAX, shown } from '../../components/shown-text';

const ROW_HEIGHT = 32;
const HEADER_HEIGHT = 32;
/** Rows from the end at which the next page is asked for. */
const LOAD_AHEAD = 60;
/** The box assumed before layout, or where there is none: a screenful of rows. */
const NO_LAYOUT_RECT = { width: 900, height: 480 };

const COLUMNS = ['Time', 'Client', 'Server', 'Tool', 'Decision', 'Status', 'Reason'];

const rowElementId = (id: number) => `call-row-${id}`;

/** The default observer, but a box that measures nothing keeps the assumed one. */
function observeRect(
  instance: Virtualizer<HTMLDivElement, Element>,
  callback: (rect: { width: number; height: number }) => void,
) {
  return observeElementRect(instance, (rect) => callback(rect.height > 0 ? rect : NO_LAYOUT_RECT));
}

export function CallsTable({
  store,
  onOpenPending,
}: {
  store: StoreApi<ActivityState>;
  /** Opens Pending, where a held call is answered. */
  onOpenPending?(): void;
}) {
  const rows = useStore(store, (s) => s.rows);
  const selectedId = useStore(store, (s) => s.selectedId);
  const openId = useStore(store, (s) => s.detail?.id);
  const { hasMore, loading, stalled, capped, loaded } = useStore(
    store,
    useShallow((s) => ({
      hasMore: s.hasMore,
      loading: s.loading,
      stalled: s.stalled,
      capped: s.capped,
      loaded: s.loaded,
    })),
  );
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (index) => rows[index]?.id ?? index,
    overscan: 10,
    paddingStart: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    initialRect: NO_LAYOUT_RECT,
    observeElementRect: observeRect,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? -1;
  // "Today" for the time column; rows re-render when the list changes, not on every scroll.
  const now = useMemo(() => Date.now(), [rows]);

  // Near the end: ask for the next older page.
  useEffect(() => {
    if (hasMore && !loading && !stalled && lastIndex >= rows.length - LOAD_AHEAD) {
      void store.getState().loadMore();
    }
  }, [store, hasMore, loading, stalled, lastIndex, rows.length]);

  // Rows put on top while the person reads further down shift the view by as much, so what they
  // read stays where it was.
  const topId = useRef<number | undefined>(undefined);
  useLayoutEffect(() => {
    const before = topId.current;
    topId.current = rows[0]?.id;
    const element = scroller.current;
    if (!element || before === undefined || rows[0]?.id === before || element.scrollTop <= 0) {
      return;
    }
    let added = 0;
    while (added < rows.length && rows[added]!.id > before) added++;
    if (added > 0 && rows[added]?.id === before) element.scrollTop += added * ROW_HEIGHT;
  }, [rows]);

  // The selected row is kept in view as the keys move it.
  useEffect(() => {
    if (selectedId === undefined) return;
    const index = store.getState().rows.findIndex((r) => r.id === selectedId);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'auto' });
  }, [store, selectedId, virtualizer]);

  const activeRendered = items.some((item) => rows[item.index]?.id === selectedId);

  return (
    <>
      <div
        ref={scroller}
        className="calls-scroller"
        // As tall as its rows, up to the stylesheet's max-height: a short list leaves room below.
        style={{ height: virtualizer.getTotalSize() + 2 }}
        role="grid"
        aria-label="Calls"
        aria-rowcount={rows.length + 1}
        aria-colcount={COLUMNS.length}
        aria-activedescendant={
          activeRendered && selectedId !== undefined ? rowElementId(selectedId) : undefined
        }
        tabIndex={0}
      >
        <div className="calls-inner" style={{ height: virtualizer.getTotalSize() }}>
          <div className="call-row calls-header" role="row" aria-rowindex={1}>
            {COLUMNS.map((name) => (
              <div key={name} role="columnheader">
                {name}
              </div>
            ))}
          </div>
          {items.map((item) => {
            const call = rows[item.index];
            if (!call) return null;
            return (
              <CallRowView
                key={call.id}
                call={call}
                index={item.index}
                start={item.start}
                selected={call.id === selectedId}
                opened={call.id === openId}
                now={now}
                store={store}
                onOpenPending={onOpenPending}
              />
            );
          })}
        </div>
      </div>
      <div className="calls-footer" aria-live="polite">
        {stalled ? (
          <>
            <span>Older calls could not be loaded.</span>
            <button type="button" onClick={() => void store.getState().loadMore()}>
              Try again
            </button>
          </>
        ) : capped ? (
          <span>
            Showing the newest {MAX_ROWS.toLocaleString('en-US')} matching calls. Narrow the
            filters, or export, to see older ones.
          </span>
        ) : loading && rows.length > 0 ? (
          <span>Loading older calls…</span>
        ) : loaded && !hasMore && rows.length > 0 ? (
          <span>No older calls match.</span>
        ) : null}
      </div>
    </>
  );
}

const CallRowView = memo(function CallRowView({
  call,
  index,
  start,
  selected,
  opened,
  now,
  store,
  onOpenPending,
}: {
  call: CallRow;
  index: number;
  start: number;
  selected: boolean;
  opened: boolean;
  now: number;
  store: StoreApi<ActivityState>;
  onOpenPending?(): void;
}) {
  // The cells cut what does not fit; the detail pane has the rest.
  const tool = shown(call.tool, NAME_MAX);
  const reason = shown(call.reason);
  return (
    <div
      id={rowElementId(call.id)}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={`call-row${selected ? ' selected' : ''}${opened ? ' opened' : ''}`}
      style={{ transform: `translateY(${start}px)` }}
      onClick={() => void store.getState().openDetail(call.id)}
    >
      <div role="gridcell" className="cell-time" title={formatFullTime(call.receivedAt)}>
        {formatTime(call.receivedAt, now)}
      </div>
      <div role="gridcell" title={call.grant}>
        {call.grant}
      </div>
      <div role="gridcell" title={call.server}>
        {call.server}
      </div>
      <div role="gridcell" className="cell-tool" title={tool}>
        {tool}
      </div>
      <div role="gridcell" className="cell-decision" title={decisionLabel(call)}>
        <DecisionCell call={call} onOpenPending={onOpenPending} />
      </div>
      <div role="gridcell" className={`status ${call.status}`}>
        {statusLabel(call.status)}
      </div>
      <div role="gridcell" className="cell-reason" title={reason}>
        {reason}
      </div>
    </div>
  );
});

/**
 * The decision's word in its badge, whole however narrow the column, then who made it, which is
 * cut first. A held call's badge opens Pending, where it is answered.
 */
function DecisionCell({ call, onOpenPending }: { call: CallRow; onOpenPending?(): void }) {
  if (call.decision === 'pending' && onOpenPending) {
    return (
      <button
        type="button"
        className="decision pending to-pending"
        title="Answer it on Pending"
        onClick={(event) => {
          // The row's own click would open the detail instead.
          event.stopPropagation();
          onOpenPending();
        }}
      >
        pending: answer
      </button>
    );
  }
  const label = decisionLabel(call);
  const word = decisionWord(call.decision);
  return (
    <>
      <span className={`decision ${call.decision}`}>{word}</span>
      <span className="decider">{label.slice(word.length)}</span>
    </>
  );
}
