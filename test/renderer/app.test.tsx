// @vitest-environment happy-dom
import { StrictMode } from 'react';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/renderer/src/app';
import { FakeApi } from './helpers/fake-api';
import { heldApproval } from '../helpers/held-approval';

const HELD = heldApproval('a1', { receivedAt: Date.now() });

function fakeCore() {
  return new FakeApi()
    .handle('approvals.list', () => ({ approvals: [] }))
    .handle('servers.list', () => ({ servers: [] }))
    .handle('config.status', () => ({
      config: { file: '/data/config.json', problems: [], nextStart: {} },
    }))
    .handle('grants.list', () => ({ grants: [], temporary: [] }))
    .handle('pause.get', () => ({ pause: { paused: false } }))
    .handle('settings.get', () => {
      throw new Error('not needed here');
    });
}

afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
});

describe('the app frame', () => {
  it('still follows events under StrictMode, which stops each store once after mounting', async () => {
    const api = fakeCore();
    render(
      <StrictMode>
        <App api={api} />
      </StrictMode>,
    );
    await screen.findByText('No calls are waiting for you.');
    act(() => api.push({ name: 'approval.added', data: { approval: HELD } }));
    expect(
      await screen.findByRole('listitem', { name: 'provision_api_key from alice' }),
    ).toBeTruthy();
    // The Pending tab counts it too.
    expect(screen.getByRole('button', { name: /Pending\s*1/ })).toBeTruthy();
  });

  it('loads everything again when the event stream comes back, so a call held meanwhile shows', async () => {
    let queue: ReturnType<typeof heldApproval>[] = [];
    const api = fakeCore().handle('approvals.list', () => ({ approvals: queue }));
    render(<App api={api} />);
    await screen.findByText('No calls are waiting for you.');
    // Held while the stream was down: its approval.added never arrived.
    queue = [HELD];
    act(() => api.reconnect());
    expect(
      await screen.findByRole('listitem', { name: 'provision_api_key from alice' }),
    ).toBeTruthy();
  });

  it('keeps the screen in the address, so Back returns to the previous one', async () => {
    const api = fakeCore();
    render(<App api={api} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Clients' }));
    expect(window.location.hash).toBe('#/clients');
    expect(screen.getByRole('heading', { name: 'Clients', level: 2 })).toBeTruthy();
    act(() => window.history.back());
    await waitFor(() =>
      expect(screen.getByRole('heading', { name: 'Pending', level: 2 })).toBeTruthy(),
    );
  });

  it('opens Activity with the filters its address names (a reload), and Back returns to them', async () => {
    window.history.replaceState(null, '', '#/activity?decision=deny');
    const api = fakeCore()
      .handle('history.query', () => ({ calls: [] }))
      .handle('history.counts', () => ({ counts: [] }));
    render(<App api={api} />);
    expect(await screen.findByRole('heading', { name: 'Activity', level: 2 })).toBeTruthy();
    expect(api.inputsOf('history.query')).toEqual([{ decision: 'deny', limit: 200 }]);

    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Clients' }));
    expect(window.location.hash).toBe('#/clients');
    act(() => window.history.back());
    await waitFor(() =>
      expect(screen.getByRole('heading', { name: 'Activity', level: 2 })).toBeTruthy(),
    );
    expect(window.location.hash).toBe('#/activity?decision=deny');
    expect((screen.getByRole('combobox', { name: 'Decision' }) as HTMLSelectElement).value).toBe(
      'deny',
    );
  });

  it('pauses from the header and resumes from the banner that says every call is refused', async () => {
    let paused = false;
    const api = fakeCore()
      .handle('pause.get', () => ({ pause: { paused } }))
      .handle('pause.set', (input) => {
        paused = input.paused;
        return { pause: paused ? { paused, since: 0 } : { paused } };
      });
    render(<App api={api} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Pause Airlock' }));
    expect((await screen.findByRole('status')).textContent).toMatch(
      /Airlock is paused.*every agent's call is refused/,
    );
    expect(screen.queryByRole('button', { name: 'Pause Airlock' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Resume' }));
    expect(await screen.findByRole('button', { name: 'Pause Airlock' })).toBeTruthy();
    expect(api.inputsOf('pause.set')).toEqual([{ paused: true }, { paused: false }]);
  });

  it('shows a pause made elsewhere (the tray, another window) as it happens', async () => {
    const api = fakeCore();
    render(<App api={api} />);
    await screen.findByRole('button', { name: 'Pause Airlock' });
    act(() => api.push({ name: 'pause.changed', data: { pause: { paused: true, since: 0 } } }));
    expect((await screen.findByRole('status')).textContent).toMatch(/Airlock is paused/);
  });
});
