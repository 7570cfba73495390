// @vitest-environment happy-dom
// The app in a browser tab (HTTP transport) announces held calls: the title counts them, Pending
// offers notifications (the browser is asked only on that click), and a notification's click
// brings the tab up on Pending. In the desktop app (IPC) the window does none of this: the main
// process notifies.
import { act, cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../../../src/renderer/src/app';
import type { Approval, AppEvent } from '../../../../src/shared/contract';
import { DEFAULT_SETTINGS } from '../../../../src/main/core/config/types';
import { GROUP_MS } from '../../../../src/shared/held-call-notices';
import { heldApproval } from '../../../helpers/held-approval';
import { FakeClock } from '../../../main/core/fakes';
import { FakeApi } from '../../helpers/fake-api';
import { fakeNotificationClass } from '../../helpers/fake-notification';

const HELD = heldApproval('a1', { receivedAt: Date.now(), reason: 'Mints keys' });
const added = (approval: Approval): AppEvent => ({ name: 'approval.added', data: { approval } });
const resolved = (approval: Approval): AppEvent => ({
  name: 'approval.resolved',
  data: { approval, outcome: { outcome: 'denied', by: 'person' } },
});

function fakeCore() {
  return new FakeApi()
    .handle('approvals.list', () => ({ approvals: [] }))
    .handle('servers.list', () => ({ servers: [] }))
    .handle('config.status', () => ({
      config: { file: '/data/config.json', problems: [], nextStart: {} },
    }))
    .handle('grants.list', () => ({ grants: [], temporary: [] }))
    .handle('settings.get', () => ({ settings: { ...DEFAULT_SETTINGS }, listeningPort: 7820 }));
}

function browserWith(permission: NotificationPermission) {
  const browser = fakeNotificationClass(permission);
  vi.stubGlobal('Notification', browser.Notification);
  return browser;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  window.localStorage.clear();
  window.history.replaceState(null, '', '/');
  document.title = 'Airlock';
});

describe('in a browser tab', () => {
  it('counts held calls in the title, from any screen, and is "Airlock" again when none wait', async () => {
    browserWith('default');
    window.history.replaceState(null, '', '#/activity');
    const api = fakeCore().handle('history.query', () => ({ calls: [] }));
    render(<App api={api} transport="http" />);
    await screen.findByRole('heading', { name: 'Activity', level: 2 });
    act(() => api.push(added(HELD)));
    expect(document.title).toBe('(1) Airlock');
    act(() => api.push(resolved(HELD)));
    expect(document.title).toBe('Airlock');
  });

  it('asks the browser only when the person opts in on Pending, then notifies; a click opens Pending', async () => {
    const browser = browserWith('default');
    const focus = vi.spyOn(window, 'focus').mockImplementation(() => {});
    const api = fakeCore();
    const clock = new FakeClock();
    const hold = (approval: Approval) =>
      act(() => {
        api.push(added(approval));
        clock.advance(GROUP_MS);
      });
    render(<App api={api} transport="http" timers={clock} />);
    await screen.findByText('No calls are waiting for you.');
    // Nothing asked on load, and no notification without permission.
    expect(browser.state.questions).toBe(0);
    hold(HELD);
    expect(browser.created).toHaveLength(0);
    act(() => api.push(resolved(HELD)));

    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Notify me in this browser' }));
    expect(browser.state.questions).toBe(1);
    // The offer is answered: it goes.
    expect(screen.queryByRole('region', { name: 'Alerts in this browser' })).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Clients' }));
    hold(HELD);
    expect(browser.open().map((n) => n.title)).toEqual(['provision_api_key needs your approval']);
    act(() => browser.open()[0]!.click());
    expect(focus).toHaveBeenCalled();
    expect(await screen.findByRole('heading', { name: 'Pending', level: 2 })).toBeTruthy();
    expect(window.location.hash).toBe('#/pending');

    // Answered elsewhere: the notification closes when its call goes.
    hold(heldApproval('a2', { receivedAt: Date.now() }));
    expect(browser.open()).toHaveLength(1);
    act(() => api.push(resolved(HELD)));
    expect(browser.open()).toHaveLength(1);
    act(() => api.push(resolved(heldApproval('a2'))));
    expect(browser.open()).toHaveLength(0);
  });

  it('"Not now" hides the offer for good in this browser', async () => {
    browserWith('default');
    const api = fakeCore();
    const first = render(<App api={api} transport="http" />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Not now' }));
    expect(screen.queryByRole('button', { name: 'Notify me in this browser' })).toBeNull();
    first.unmount();
    render(<App api={fakeCore()} transport="http" />);
    await screen.findByText('No calls are waiting for you.');
    expect(screen.queryByRole('button', { name: 'Notify me in this browser' })).toBeNull();
  });

  it('lets the person stop and restart notifications on Settings', async () => {
    const browser = browserWith('granted');
    window.history.replaceState(null, '', '#/settings');
    const api = fakeCore();
    const clock = new FakeClock();
    const hold = (approval: Approval) =>
      act(() => {
        api.push(added(approval));
        clock.advance(GROUP_MS);
      });
    render(<App api={api} transport="http" timers={clock} />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Stop notifying in this browser' }));
    hold(HELD);
    expect(browser.created).toHaveLength(0);
    await user.click(screen.getByRole('button', { name: 'Notify me in this browser' }));
    // Permission was given before: nothing is asked again.
    expect(browser.state.questions).toBe(0);
    hold(heldApproval('a2', { receivedAt: Date.now() }));
    expect(browser.open()).toHaveLength(1);
  });

  it('says on Settings how to unblock a browser that refused', async () => {
    browserWith('denied');
    window.history.replaceState(null, '', '#/settings');
    render(<App api={fakeCore()} transport="http" />);
    expect(await screen.findByText(/This browser blocks notifications from Airlock/)).toBeTruthy();
  });
});

describe('in the desktop app', () => {
  it('leaves the title alone and raises no notification: the main process notifies', async () => {
    const browser = browserWith('granted');
    const api = fakeCore();
    const clock = new FakeClock();
    render(<App api={api} timers={clock} />);
    await screen.findByText('No calls are waiting for you.');
    act(() => {
      api.push(added(HELD));
      clock.advance(GROUP_MS);
    });
    expect(document.title).toBe('Airlock');
    expect(browser.created).toHaveLength(0);
    expect(screen.queryByRole('button', { name: 'Notify me in this browser' })).toBeNull();
  });
});
