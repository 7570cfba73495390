// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActivityScreen } from '../../../../src/renderer/src/features/activity/activity-screen';
import { ApiError } from '../../../../src/renderer/src/api/api-client';
import { createActivityStore } from '../../../../src/renderer/src/features/activity/activity-store';
import type { CallRecord } from '../../../../src/shared/contract';
import { recordedCall } from '../../../helpers/recorded-call';
import { historyPages, newestFirst } from '../../helpers/history-pages';
import { FakeApi } from '../../helpers/fake-api';

const NOW = Date.now();

const call = (id: number, overrides: Partial<CallRecord> = {}): CallRecord =>
  recordedCall(id, {
    receivedAt: NOW - (10_000 - id) * 1000,
    decidedAt: NOW - (10_000 - id) * 1000 + 5,
    finishedAt: NOW - (10_000 - id) * 1000 + 50,
    session: 'session-1',
    policyHash: 'abcdef0123456789abcdef',
    result: '{"content":[{"type":"text","text":"operational"}]}',
    ...overrides,
  });

const range = (n: number) => newestFirst(n, (id) => call(id));

function setup(history: CallRecord[], onOpenPending?: () => void) {
  const api = new FakeApi()
    .handle(
      'history.query',
      historyPages(() => history),
    )
    .handle('history.counts', () => ({
      counts: [
        { hour: Math.floor(NOW / 3_600_000) * 3_600_000, decision: 'allow', count: 7 },
        { hour: Math.floor(NOW / 3_600_000) * 3_600_000, decision: 'deny', count: 2 },
      ],
    }))
    .handle('history.get', ({ id }) => ({ call: history.find((c) => c.id === id)! }));
  const store = createActivityStore(api, { flushMs: 1 });
  render(<ActivityScreen store={store} {...(onOpenPending ? { onOpenPending } : {})} />);
  return { api, store };
}

const dataRows = () =>
  screen.queryAllByRole('row').filter((row) => row.getAttribute('aria-rowindex') !== '1');

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  // The screen keeps its filters in the address; the next test starts from none.
  window.history.replaceState(null, '', '/');
});

describe('the Activity screen', () => {
  it('says what appears here and how to get calls when there are none yet', async () => {
    setup([]);
    expect(await screen.findByText('No calls yet.')).toBeTruthy();
    expect(screen.getByText(/Clients\s+screen creates one/)).toBeTruthy();
    expect(screen.queryByRole('grid')).toBeNull();
  });

  it('renders only the rows in view out of many loaded, and loads older pages on scroll', async () => {
    const { api } = setup(range(1000));
    expect(await screen.findByText('200 calls shown')).toBeTruthy();
    const rows = dataRows();
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    expect(rows[0]!.textContent).toContain('allowed by policy');

    const grid = screen.getByRole('grid', { name: 'Calls' });
    await act(async () => {
      grid.scrollTop = 180 * 32;
      fireEvent.scroll(grid);
    });
    await waitFor(() => expect(api.inputsOf('history.query').at(-1)?.cursor).toBe('c801'));
    expect(await screen.findByText('400 calls shown')).toBeTruthy();
    expect(dataRows().length).toBeLessThan(60);
    // The rows in the DOM are the ones scrolled to, not the first ones.
    const indexes = dataRows().map((r) => Number(r.getAttribute('aria-rowindex')));
    expect(Math.min(...indexes)).toBeGreaterThan(150);
  });

  it('opens a clicked call with its decision path, and keeps markup in arguments as text', async () => {
    const markup = '<img src=x onerror="alert(1)"><script>window.__pwned=1</script>';
    setup([
      call(2, {
        tool: 'provision_api_key',
        action: 'require_approval',
        decision: 'allow',
        decidedBy: 'person',
        rule: '/tools/provision_api_key',
        reason: 'Creates credentials that cannot be recalled',
        args: JSON.stringify({ name: markup, email: 'a@example.com' }),
        result: '{"content":[{"type":"text","text":"{\\"api_key\\":\\"[REDACTED]\\"',
        resultTruncated: true,
      }),
      call(1),
    ]);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('row', { name: /allowed by person/ }));
    const pane = await screen.findByRole('region', { name: 'Call detail' });
    await within(pane).findByLabelText('Arguments');
    const path = within(pane).getByRole('list', { name: 'Decision path' });
    expect(path.textContent).toBe('Policy saidrequire approvalDecisionallowedDecided byperson');
    expect(within(pane).getByText('/tools/provision_api_key')).toBeTruthy();
    expect(within(pane).getByText('Creates credentials that cannot be recalled')).toBeTruthy();
    expect(within(pane).getByLabelText('Arguments').textContent).toContain(
      JSON.stringify(markup).slice(1, -1),
    );
    expect(document.querySelector('img, script')).toBeNull();
    expect(within(pane).getByRole('note').textContent).toMatch(/^Truncated/);
    expect(within(pane).getByLabelText('Result').textContent).toContain('[REDACTED]');

    await user.click(within(pane).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('region', { name: 'Call detail' })).toBeNull();
  });

  it('moves the selection with j/k and the arrows, and Enter opens it', async () => {
    const { api } = setup(range(5));
    await screen.findByText('5 calls shown');
    const user = userEvent.setup();
    await user.keyboard('j');
    const selected = () =>
      dataRows()
        .filter((r) => r.getAttribute('aria-selected') === 'true')
        .map((r) => r.getAttribute('aria-rowindex'));
    expect(selected()).toEqual(['2']);
    await user.keyboard('jj{ArrowDown}k');
    expect(selected()).toEqual(['4']);
    expect(api.inputsOf('history.get')).toEqual([]);
    await user.keyboard('{Enter}');
    expect(api.inputsOf('history.get')).toEqual([{ id: 3 }]);
    expect(await screen.findByRole('region', { name: 'Call detail' })).toBeTruthy();
    await user.keyboard('{ArrowUp}');
    await waitFor(() => expect(api.inputsOf('history.get').at(-1)).toEqual({ id: 4 }));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('region', { name: 'Call detail' })).toBeNull();
  });

  it('searches once typing rests, and explains how words match', async () => {
    const { api } = setup(range(3));
    await screen.findByText('3 calls shown');
    const search = screen.getByRole('searchbox', { name: 'Search' });
    expect(search.getAttribute('placeholder')).toMatch(/whole words, or word\* for prefixes/);
    const user = userEvent.setup();
    await user.type(search, 'deploy prod*');
    await waitFor(() =>
      expect(api.inputsOf('history.query').at(-1)).toEqual({ text: 'deploy prod*', limit: 200 }),
    );
    // One query for the whole phrase, not one per keystroke.
    expect(api.inputsOf('history.query').filter((q) => q.text !== undefined)).toHaveLength(1);
  });

  it('says when the filters match nothing and clears them', async () => {
    const { api } = setup(range(3));
    await screen.findByText('3 calls shown');
    const user = userEvent.setup();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Decision' }), 'deny');
    expect(await screen.findByText('No calls match these filters.')).toBeTruthy();
    expect(api.inputsOf('history.query').at(-1)).toEqual({ decision: 'deny', limit: 200 });
    const empty = screen.getByText('No calls match these filters.').closest('.empty')!;
    await user.click(within(empty as HTMLElement).getByRole('button', { name: 'Clear filters' }));
    expect(await screen.findByText('3 calls shown')).toBeTruthy();
    expect((screen.getByRole('combobox', { name: 'Decision' }) as HTMLSelectElement).value).toBe(
      '',
    );
  });

  it('shows an error from the core in the banner instead of failing', async () => {
    const { api } = setup(range(3));
    await screen.findByText('3 calls shown');
    api.handle('history.query', () => {
      throw new ApiError('invalid_input', 'The search text cannot be read.');
    });
    const user = userEvent.setup();
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'x');
    expect((await screen.findByRole('alert')).textContent).toContain(
      'The search text cannot be read.',
    );
    await user.click(within(screen.getByRole('alert')).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('puts a live call on top and shows totals by decision', async () => {
    const { api } = setup(range(3));
    await screen.findByText('3 calls shown');
    const totals = screen.getByRole('list', { name: 'Totals' });
    expect(totals.textContent).toBe('allowed 7denied 2pending 0');
    act(() => api.push({ name: 'call.recorded', data: { call: call(4, { decision: 'deny' }) } }));
    expect(await screen.findByText('4 calls shown')).toBeTruthy();
    expect(dataRows()[0]!.textContent).toContain('denied by policy');
    expect(totals.textContent).toBe('allowed 7denied 3pending 0');
  });

  it('downloads an export of the filtered calls as a file', async () => {
    const { api } = setup(range(3));
    api.handle('history.export', ({ format }) => ({
      filename: `airlock-history.${format}`,
      mimeType: 'application/x-ndjson',
      content: '{"id":3}\n',
      rows: 1,
      truncated: false,
    }));
    await screen.findByText('3 calls shown');
    const blobs: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      blobs.push(blob as Blob);
      return 'blob:export';
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      clicked.push(this);
    });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Export JSONL' }));
    expect(await screen.findByRole('status')).toBeTruthy();
    expect(api.inputsOf('history.export')).toEqual([{ format: 'jsonl', filter: {} }]);
    expect(clicked.map((a) => [a.download, a.getAttribute('href')])).toEqual([
      ['airlock-history.jsonl', 'blob:export'],
    ]);
    expect(await blobs[0]!.text()).toBe('{"id":3}\n');
    expect(screen.getByRole('status').textContent).toContain('Exported 1 call');
  });

  it('matches the Tool filter against any part of a name, in any case', async () => {
    const { api } = setup([
      call(3, { tool: 'get_service_status' }),
      call(2, { tool: 'ask_human' }),
      call(1, { tool: 'Service_Restart' }),
    ]);
    await screen.findByText('3 calls shown');
    const user = userEvent.setup();
    await user.type(screen.getByRole('combobox', { name: 'Tool' }), 'SERVICE');
    expect(await screen.findByText('2 calls shown')).toBeTruthy();
    expect(api.inputsOf('history.query').at(-1)).toEqual({ toolContains: 'SERVICE', limit: 200 });
    expect(dataRows().map((row) => row.textContent)).toEqual([
      expect.stringContaining('get_service_status'),
      expect.stringContaining('Service_Restart'),
    ]);
  });

  it('opens with the filters the address names, and keeps the address in step with them', async () => {
    window.history.replaceState(null, '', '#/activity?tool=stat&decision=deny&q=deploy&bogus=1');
    const { api } = setup([call(2, { decision: 'deny', args: '{"note":"deploy"}' }), call(1)]);
    expect(await screen.findByText('1 call shown')).toBeTruthy();
    expect(api.inputsOf('history.query')).toEqual([
      { toolContains: 'stat', decision: 'deny', text: 'deploy', limit: 200 },
    ]);
    expect((screen.getByRole('combobox', { name: 'Tool' }) as HTMLInputElement).value).toBe('stat');
    expect((screen.getByRole('combobox', { name: 'Decision' }) as HTMLSelectElement).value).toBe(
      'deny',
    );
    // What the address did not say right is left out of it.
    expect(window.location.hash).toBe('#/activity?tool=stat&q=deploy&decision=deny');

    const user = userEvent.setup();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Decision' }), 'allow');
    expect(window.location.hash).toBe('#/activity?tool=stat&q=deploy&decision=allow');
    await user.click(screen.getAllByRole('button', { name: 'Clear filters' })[0]!);
    expect(window.location.hash).toBe('#/activity');

    // An address edited while the screen is open (or Back and Forward) is followed.
    act(() => {
      window.location.hash = '#/activity?range=day';
    });
    await waitFor(() =>
      expect((screen.getByRole('combobox', { name: 'Time' }) as HTMLSelectElement).value).toBe(
        'day',
      ),
    );
    expect(api.inputsOf('history.query').at(-1)).toMatchObject({ from: expect.any(Number) });
  });

  it('brings the detail pane into view when a call is opened', async () => {
    setup(range(3));
    await screen.findByText('3 calls shown');
    const scrolled: Element[] = [];
    vi.spyOn(Element.prototype, 'scrollIntoView').mockImplementation(function (this: Element) {
      scrolled.push(this);
    });
    const user = userEvent.setup();
    await user.click(dataRows()[1]!);
    const pane = await screen.findByRole('region', { name: 'Call detail' });
    await within(pane).findByLabelText('Arguments');
    expect(scrolled).toContain(pane);
  });

  it('opens Pending from a held call, in its row and in its detail', async () => {
    const onOpenPending = vi.fn();
    const held = call(2, {
      decision: 'pending',
      action: 'require_approval',
      decidedBy: 'policy',
      status: 'not_run',
    });
    const { api } = setup([held, call(1)], onOpenPending);
    await screen.findByText('2 calls shown');
    const user = userEvent.setup();
    await user.click(within(dataRows()[0]!).getByRole('button', { name: 'pending: answer' }));
    expect(onOpenPending).toHaveBeenCalledTimes(1);
    // The button answers the click, not the row: no detail opened.
    expect(api.inputsOf('history.get')).toEqual([]);

    await user.click(within(dataRows()[0]!).getAllByRole('gridcell')[0]!);
    const pane = await screen.findByRole('region', { name: 'Call detail' });
    await user.click(await within(pane).findByRole('button', { name: 'Answer it on Pending' }));
    expect(onOpenPending).toHaveBeenCalledTimes(2);
    // A call that is not held offers no such button.
    await user.click(within(dataRows()[1]!).getAllByRole('gridcell')[0]!);
    await waitFor(() =>
      expect(within(pane).getByRole('list', { name: 'Decision path' }).textContent).toContain(
        'Decisionallowed',
      ),
    );
    expect(within(pane).queryByRole('button', { name: 'Answer it on Pending' })).toBeNull();
    expect(within(dataRows()[1]!).queryByRole('button')).toBeNull();
  });
});
