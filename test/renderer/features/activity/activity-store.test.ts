import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../../src/renderer/src/api/api-client';
import {
  createActivityStore,
  MAX_ROWS,
  PAGE_SIZE,
} from '../../../../src/renderer/src/features/activity/activity-store';
import {
  chartSeries,
  stackedData,
} from '../../../../src/renderer/src/features/activity/chart-data';
import type { CallRecord } from '../../../../src/shared/contract';
import { recordedCall } from '../../../helpers/recorded-call';
import { historyPages, newestFirst } from '../../helpers/history-pages';
import { FakeApi } from '../../helpers/fake-api';

const NOW = Date.UTC(2025, 5, 1, 12, 30);
const HOUR = 3_600_000;

const call = (id: number, overrides: Partial<CallRecord> = {}): CallRecord =>
  recordedCall(id, {
    receivedAt: NOW - (1000 - id) * 1000,
    decidedAt: NOW - (1000 - id) * 1000,
    result: '{"content":[]}',
    ...overrides,
  });

const range = (n: number, make: (id: number) => CallRecord = (id) => call(id)) =>
  newestFirst(n, make);

function setup(history: CallRecord[]) {
  let stored = history;
  const api = new FakeApi()
    .handle(
      'history.query',
      historyPages(() => stored),
    )
    .handle('history.counts', () => ({ counts: [] }));
  const store = createActivityStore(api, { now: () => NOW, flushMs: 1 });
  return {
    api,
    store,
    setHistory(next: CallRecord[]) {
      stored = next;
    },
  };
}

// The store's event flush runs on a timer: the tests move a fake clock instead of sleeping.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});
const settle = (ms = 15) => vi.advanceTimersByTimeAsync(ms);
const ids = (rows: { id: number }[]) => rows.map((r) => r.id);

describe('the activity store', () => {
  it('loads the newest page first, then older pages by cursor, never all at once', async () => {
    const { api, store } = setup(range(450));
    await store.getState().load();
    expect(api.inputsOf('history.query')).toEqual([{ limit: PAGE_SIZE }]);
    expect(store.getState().rows).toHaveLength(200);
    expect(store.getState().rows[0]!.id).toBe(450);
    expect(store.getState().hasMore).toBe(true);
    // The table keeps only what it shows; the detail pane fetches the rest.
    expect(store.getState().rows[0]).not.toHaveProperty('args');
    expect(store.getState().rows[0]).not.toHaveProperty('result');

    // A second ask while a page is on its way sends nothing more.
    await Promise.all([store.getState().loadMore(), store.getState().loadMore()]);
    expect(api.inputsOf('history.query').slice(1)).toEqual([{ limit: PAGE_SIZE, cursor: 'c251' }]);
    await store.getState().loadMore();
    expect(api.inputsOf('history.query')[2]).toEqual({ limit: PAGE_SIZE, cursor: 'c51' });
    expect(ids(store.getState().rows)).toEqual(ids(range(450)));
    expect(store.getState().hasMore).toBe(false);

    await store.getState().loadMore();
    expect(api.inputsOf('history.query')).toHaveLength(3);
  });

  it('starts over from the newest page when the filter changes, with ranges measured from now', async () => {
    const history = range(450, (id) => call(id, { tool: id % 2 ? 'provision_api_key' : 'other' }));
    const { api, store } = setup(history);
    await store.getState().load();
    await store.getState().loadMore();
    expect(store.getState().rows).toHaveLength(400);

    store.getState().setFilter({ tool: 'provision_api_key', range: 'hour' });
    await settle();
    expect(api.inputsOf('history.query').at(-1)).toEqual({
      tool: 'provision_api_key',
      from: NOW - HOUR,
      limit: PAGE_SIZE,
    });
    expect(api.inputsOf('history.counts').at(-1)).toEqual({
      tool: 'provision_api_key',
      from: NOW - HOUR,
    });
    const rows = store.getState().rows;
    expect(rows.every((r) => r.tool === 'provision_api_key' && r.receivedAt >= NOW - HOUR)).toBe(
      true,
    );
    expect(rows[0]!.id).toBe(449);
    expect(rows.length).toBeLessThanOrEqual(PAGE_SIZE);

    // Setting the same filter again does not reload.
    const queries = api.inputsOf('history.query').length;
    store.getState().setFilter({ tool: 'provision_api_key' });
    expect(api.inputsOf('history.query')).toHaveLength(queries);

    store.getState().clearFilters();
    await settle();
    expect(api.inputsOf('history.query').at(-1)).toEqual({ limit: PAGE_SIZE });
    expect(store.getState().rows[0]!.id).toBe(450);
  });

  it('drops the answer of a load that a newer filter replaced', async () => {
    const history = range(10);
    let release: (() => void) | undefined;
    const api = new FakeApi()
      .handle('history.counts', () => ({ counts: [] }))
      .handle('history.query', async (input) => {
        if (input.tool === undefined) await new Promise<void>((r) => (release = r));
        return historyPages(() => history)(input);
      });
    const store = createActivityStore(api, { now: () => NOW, flushMs: 1 });
    const first = store.getState().load();
    store.getState().setFilter({ tool: 'nothing-matches' });
    await settle();
    release!();
    await first;
    expect(store.getState().rows).toEqual([]);
    expect(store.getState().applied).toEqual({ tool: 'nothing-matches' });
    expect(store.getState().loaded).toBe(true);
  });

  it('updates a call in place and puts new matching calls on top, in one update per burst', async () => {
    const { api, store } = setup(range(5));
    await store.getState().load();
    store.getState().setFilter({ tool: 'get_service_status' });
    await settle();
    const queries = api.inputsOf('history.query').length;
    let updates = 0;
    store.subscribe(() => updates++);

    api.push({ name: 'call.recorded', data: { call: call(3, { status: 'tool_error' }) } });
    for (let id = 6; id <= 105; id++) api.push({ name: 'call.recorded', data: { call: call(id) } });
    api.push({ name: 'call.recorded', data: { call: call(106, { tool: 'provision_api_key' }) } });
    await settle();

    const rows = store.getState().rows;
    expect(ids(rows)).toEqual([...ids(range(105))]);
    expect(rows.find((r) => r.id === 3)!.status).toBe('tool_error');
    expect(rows.filter((r) => r.id === 3)).toHaveLength(1);
    // No refetch: events carry the rows.
    expect(api.inputsOf('history.query')).toHaveLength(queries);
    expect(updates).toBe(1);
    expect(store.getState().seen.tools).toEqual(['get_service_status', 'provision_api_key']);
  });

  it('matches part of a tool name in any case, in the pages it asks for and in live calls', async () => {
    const { api, store } = setup([
      call(2, { tool: 'get_service_status' }),
      call(1, { tool: 'ask_human' }),
    ]);
    await store.getState().load();
    store.getState().setFilter({ toolContains: 'STATUS' });
    await settle();
    expect(api.inputsOf('history.query').at(-1)).toEqual({
      toolContains: 'STATUS',
      limit: PAGE_SIZE,
    });
    expect(ids(store.getState().rows)).toEqual([2]);

    api.push({ name: 'call.recorded', data: { call: call(3, { tool: 'Status_Of_Build' }) } });
    api.push({ name: 'call.recorded', data: { call: call(4, { tool: 'ask_human' }) } });
    await settle();
    expect(ids(store.getState().rows)).toEqual([3, 2]);
  });

  it('removes a call that no longer matches and counts it under its new decision', async () => {
    const held = call(7, { decision: 'pending', action: 'require_approval', status: 'not_run' });
    const { api, store } = setup([held, call(6, { decision: 'deny' })]);
    store.getState().setFilter({ decision: 'pending' });
    await settle();
    expect(ids(store.getState().rows)).toEqual([7]);
    store.setState({
      counts: [{ hour: Math.floor(held.receivedAt / HOUR) * HOUR, decision: 'pending', count: 1 }],
    });

    api.push({
      name: 'call.recorded',
      data: { call: { ...held, decision: 'allow', decidedBy: 'person', status: 'ok' } },
    });
    await settle();
    expect(store.getState().rows).toEqual([]);
    expect(store.getState().counts).toEqual([]);
  });

  it('leaves a call older than the loaded rows to paging while older pages remain', async () => {
    const { api, store } = setup(range(300, (id) => call(id + 100)));
    await store.getState().load();
    expect(store.getState().hasMore).toBe(true);
    // Id 50 is older than every loaded row while more are to load: paging will bring it.
    api.push({ name: 'call.recorded', data: { call: call(50) } });
    await settle();
    expect(store.getState().rows.some((r) => r.id === 50)).toBe(false);
    expect(store.getState().rows).toHaveLength(200);
  });

  it('with free text, asks the core for the newest page once per burst and puts what is new on top', async () => {
    let history = [call(2, { args: '{"q":"deploy"}' }), call(1, { args: '{"q":"other"}' })];
    const api = new FakeApi()
      .handle('history.query', (input) => historyPages(() => history)(input))
      .handle('history.counts', () => ({ counts: [] }));
    const store = createActivityStore(api, { now: () => NOW, flushMs: 1 });
    store.getState().setFilter({ text: 'deploy' });
    await settle();
    expect(ids(store.getState().rows)).toEqual([2]);

    history = [
      call(5, { args: '{"q":"deploy"}' }),
      call(4, { args: '{"q":"nothing"}' }),
      call(3, { args: '{"q":"deploy"}' }),
      ...history,
    ];
    const before = api.inputsOf('history.query').length;
    for (const c of history.slice(0, 3)) api.push({ name: 'call.recorded', data: { call: c } });
    await settle(30);
    expect(api.inputsOf('history.query').slice(before)).toEqual([
      { text: 'deploy', limit: PAGE_SIZE },
    ]);
    expect(ids(store.getState().rows)).toEqual([5, 3, 2]);
    expect(store.getState().counts.reduce((n, c) => n + c.count, 0)).toBe(2);
  });

  it('shows what the core refused, such as search text it cannot take, and recovers', async () => {
    const api = new FakeApi()
      .handle('history.counts', () => ({ counts: [] }))
      .handle('history.query', (input) => {
        if (input.text) throw new ApiError('invalid_input', 'fts5: syntax error near "("');
        return { calls: [call(1)] };
      });
    const store = createActivityStore(api, { now: () => NOW, flushMs: 1 });
    store.getState().setFilter({ text: '(' });
    await settle();
    expect(store.getState().error).toBe('fts5: syntax error near "("');
    expect(store.getState().loaded).toBe(false);
    expect(store.getState().loading).toBe(false);
    store.getState().dismissError();
    store.getState().setFilter({ text: undefined });
    await settle();
    expect(store.getState().error).toBeUndefined();
    expect(ids(store.getState().rows)).toEqual([1]);
  });

  it('stops paging after a failed page until asked again', async () => {
    let fail = true;
    const history = range(300);
    const api = new FakeApi()
      .handle('history.counts', () => ({ counts: [] }))
      .handle('history.query', (input) => {
        if (input.cursor && fail) throw new ApiError('unavailable', 'Airlock cannot be reached.');
        return historyPages(() => history)(input);
      });
    const store = createActivityStore(api, { now: () => NOW, flushMs: 1 });
    await store.getState().load();
    await store.getState().loadMore();
    expect(store.getState()).toMatchObject({ stalled: true, error: 'Airlock cannot be reached.' });
    expect(store.getState().rows).toHaveLength(200);
    fail = false;
    await store.getState().loadMore();
    expect(store.getState().stalled).toBe(false);
    expect(store.getState().rows).toHaveLength(300);
  });

  it('opens a call in detail, follows its changes, and moves with the selection', async () => {
    const { api, store } = setup(range(3));
    api.handle('history.get', ({ id }) => ({ call: call(id, { args: `{"n":${id}}` }) }));
    await store.getState().load();
    store.getState().moveSelection(1);
    expect(store.getState().selectedId).toBe(3);
    await store.getState().openDetail();
    expect(store.getState().detail?.call?.args).toBe('{"n":3}');

    api.push({ name: 'call.recorded', data: { call: call(3, { result: 'later', status: 'ok' }) } });
    await settle();
    expect(store.getState().detail?.call?.result).toBe('later');

    store.getState().moveSelection(1);
    await settle();
    expect(store.getState().detail?.call?.args).toBe('{"n":2}');
    store.getState().moveSelection(5);
    expect(store.getState().selectedId).toBe(1);
    store.getState().moveSelection(-1);
    expect(store.getState().selectedId).toBe(2);

    api.handle('history.get', ({ id }) => {
      throw new ApiError('not_found', `No call has id ${id}.`);
    });
    await store.getState().openDetail(99);
    expect(store.getState().detail).toEqual({ id: 99, error: 'No call has id 99.' });
  });

  it('exports with the filter in force and says when the export was cut short', async () => {
    const { api, store } = setup(range(3));
    api.handle('history.export', ({ format }) => ({
      filename: `airlock-history.${format}`,
      mimeType: 'text/csv',
      content: 'id\n3\n',
      rows: 100_000,
      truncated: true,
    }));
    store.getState().setFilter({ grant: 'alice', decision: 'deny' });
    await settle();
    const file = await store.getState().exportCalls('csv');
    expect(file?.content).toBe('id\n3\n');
    expect(api.inputsOf('history.export')).toEqual([
      { format: 'csv', filter: { grant: 'alice', decision: 'deny' } },
    ]);
    expect(store.getState().notice).toMatch(/newest 100,000 matching calls/);
  });

  it('counts new calls into the chart by hour and decision', async () => {
    const { api, store } = setup([]);
    await store.getState().load();
    api.push({ name: 'call.recorded', data: { call: call(1, { receivedAt: NOW }) } });
    api.push({
      name: 'call.recorded',
      data: { call: call(2, { receivedAt: NOW, decision: 'deny' }) },
    });
    api.push({ name: 'call.recorded', data: { call: call(3, { receivedAt: NOW }) } });
    await settle();
    const hour = Math.floor(NOW / HOUR) * HOUR;
    expect(store.getState().counts).toEqual([
      { hour, decision: 'allow', count: 2 },
      { hour, decision: 'deny', count: 1 },
    ]);
  });

  it('keeps at most MAX_ROWS calls and then stops paging', async () => {
    const total = MAX_ROWS + 300;
    const api = new FakeApi()
      .handle('history.counts', () => ({ counts: [] }))
      .handle('history.query', ({ cursor, limit = 100 }) => {
        const top = cursor === undefined ? total : Number(cursor.slice(1)) - 1;
        const calls = Array.from({ length: Math.min(limit, top) }, (_, i) => call(top - i));
        return top - calls.length > 0 ? { calls, nextCursor: `c${calls.at(-1)!.id}` } : { calls };
      });
    const store = createActivityStore(api, { now: () => NOW, flushMs: 1 });
    await store.getState().load();
    while (store.getState().hasMore) await store.getState().loadMore();
    expect(store.getState().rows).toHaveLength(MAX_ROWS);
    expect(store.getState().capped).toBe(true);
    expect(api.inputsOf('history.query')).toHaveLength(Math.ceil(MAX_ROWS / PAGE_SIZE) + 1);
  });

  it('stops listening when stopped', async () => {
    const { api, store } = setup([]);
    expect(api.listenerCount).toBe(1);
    store.stop();
    expect(api.listenerCount).toBe(0);
  });
});

describe('the chart series', () => {
  const hour = Math.floor(NOW / HOUR) * HOUR;

  it('lays hourly counts on a gapless axis from the range start to now, stacked', () => {
    const series = chartSeries(
      [
        { hour: hour - 2 * HOUR, decision: 'allow', count: 3 },
        { hour: hour - 2 * HOUR, decision: 'pending', count: 1 },
        { hour, decision: 'deny', count: 2 },
      ],
      { from: NOW - 3 * HOUR },
      NOW,
    );
    expect(series.bucket).toBe('hour');
    expect(series.starts).toEqual([hour - 3 * HOUR, hour - 2 * HOUR, hour - HOUR, hour]);
    expect(series.allow).toEqual([0, 3, 0, 0]);
    expect(series.deny).toEqual([0, 0, 0, 2]);
    expect(series.pending).toEqual([0, 1, 0, 0]);
    expect(series.totals).toEqual({ allow: 3, deny: 2, pending: 1 });
    const [x, all, allowDeny, allow] = stackedData(series);
    expect(x[0]).toBe((hour - 3 * HOUR) / 1000);
    expect(all).toEqual([0, 4, 0, 2]);
    expect(allowDeny).toEqual([0, 3, 0, 2]);
    expect(allow).toEqual([0, 3, 0, 0]);
  });

  it('turns to one bar per day past a month, and keeps every count', () => {
    const counts = [
      { hour: hour - 90 * 24 * HOUR, decision: 'allow' as const, count: 5 },
      { hour: hour - 90 * 24 * HOUR + HOUR, decision: 'allow' as const, count: 1 },
      { hour, decision: 'deny' as const, count: 2 },
    ];
    const series = chartSeries(counts, {}, NOW);
    expect(series.bucket).toBe('day');
    expect(series.starts.length).toBeGreaterThanOrEqual(90);
    expect(series.starts.length).toBeLessThanOrEqual(92);
    expect(series.allow.reduce((a, b) => a + b, 0)).toBe(6);
    expect(series.deny.at(-1)).toBe(2);
  });
});
