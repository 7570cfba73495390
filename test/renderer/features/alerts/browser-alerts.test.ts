// A browser tab's alerts for held calls: the title counts them, and notifications (only once the
// person opted in) tell of new ones as the desktop app's do: one per call held apart, one for calls
// held together, each gone once its calls are answered anywhere. A real pending store over a fake
// core, a fake Notification, time moved by hand.
import { describe, expect, it, vi } from 'vitest';
import { startBrowserAlerts } from '../../../../src/renderer/src/features/alerts/browser-alerts';
import {
  createBrowserAlertsStore,
  notifying,
  offering,
} from '../../../../src/renderer/src/features/alerts/browser-alerts-store';
import { createPendingStore } from '../../../../src/renderer/src/features/pending/pending-store';
import type { Approval, AppEvent } from '../../../../src/shared/contract';
import { GROUP_MS } from '../../../../src/shared/held-call-notices';
import { heldApproval } from '../../../helpers/held-approval';
import { FakeClock } from '../../../main/core/fakes';
import { FakeApi } from '../../helpers/fake-api';
import { fakeNotificationClass } from '../../helpers/fake-notification';

const held = (id: string, overrides: Partial<Approval> = {}) =>
  heldApproval(id, { args: { email: 'secret@example.com' }, reason: 'Mints keys', ...overrides });
const added = (approval: Approval): AppEvent => ({ name: 'approval.added', data: { approval } });
const resolved = (approval: Approval): AppEvent => ({
  name: 'approval.resolved',
  data: { approval, outcome: { outcome: 'allowed', by: 'person' } },
});

/** Memory storage, as localStorage behaves. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

async function setup(
  options: { queue?: Approval[]; permission?: NotificationPermission; storage?: Storage } = {},
) {
  const api = new FakeApi().handle('approvals.list', () => ({ approvals: options.queue ?? [] }));
  const pending = createPendingStore(api);
  const browser = fakeNotificationClass(options.permission ?? 'granted');
  const alerts = createBrowserAlertsStore({
    Notification: browser.Notification,
    storage: options.storage ?? memoryStorage(),
  });
  const page = { title: 'Airlock' };
  const clock = new FakeClock();
  let opened = 0;
  const stop = startBrowserAlerts({
    pending,
    alerts,
    Notification: browser.Notification,
    document: page,
    timers: clock,
    openPending: () => opened++,
  });
  // The first list, which the alerts ask for themselves.
  await vi.waitFor(() => expect(pending.getState().loaded).toBe(true));
  /** An agent holds calls: they are told of once their group's time has passed. */
  const hold = (...approvals: Approval[]) => {
    for (const approval of approvals) api.push(added(approval));
    clock.advance(GROUP_MS);
  };
  return { api, pending, alerts, browser, page, stop, hold, opened: () => opened };
}

describe('the tab title', () => {
  it('counts the calls waiting and is "Airlock" again when none wait', async () => {
    const { api, page, stop } = await setup();
    expect(page.title).toBe('Airlock');
    api.push(added(held('a1')));
    expect(page.title).toBe('(1) Airlock');
    api.push(added(held('a2')));
    expect(page.title).toBe('(2) Airlock');
    api.push(resolved(held('a1')));
    api.push(resolved(held('a2')));
    expect(page.title).toBe('Airlock');
    api.push(added(held('a3')));
    stop();
    expect(page.title).toBe('Airlock');
  });

  it('counts the calls that were waiting when the tab opened, without Pending being opened', async () => {
    const { page, api } = await setup({ queue: [held('a1'), held('a2')] });
    expect(api.inputsOf('approvals.list')).toHaveLength(1);
    expect(page.title).toBe('(2) Airlock');
  });
});

describe('browser notifications', () => {
  it('name a newly held call (tool, client, server, never arguments); a click opens Pending', async () => {
    const { hold, browser, opened } = await setup();
    hold(held('a1'));
    expect(browser.open().map((n) => [n.title, n.options])).toEqual([
      [
        'provision_api_key needs your approval',
        { body: 'alice on meatspace: Mints keys', tag: 'airlock-held-a1' },
      ],
    ]);
    expect(JSON.stringify(browser.created.map((n) => n.options))).not.toContain('secret@');
    browser.open()[0]!.click();
    expect(opened()).toBe(1);
    expect(browser.open()).toHaveLength(0);
  });

  it('give calls held together one notification, and each goes once its calls are answered anywhere', async () => {
    const { api, hold, browser } = await setup();
    hold(held('a1'));
    hold(held('a2', { tool: 'ask_human' }), held('a3', { grant: 'bob' }));
    expect(browser.open().map((n) => [n.title, n.options.body])).toEqual([
      ['provision_api_key needs your approval', 'alice on meatspace: Mints keys'],
      ['2 calls wait for your approval', 'ask_human from alice, provision_api_key from bob'],
    ]);
    api.push(resolved(held('a2')));
    expect(browser.open()).toHaveLength(2);
    api.push(resolved(held('a3')));
    expect(browser.open().map((n) => n.title)).toEqual(['provision_api_key needs your approval']);
    api.push(resolved(held('a1')));
    expect(browser.open()).toHaveLength(0);
  });

  it('say nothing of the calls already waiting when the tab opened', async () => {
    const { browser, hold } = await setup({ queue: [held('a1')] });
    expect(browser.created).toHaveLength(0);
    hold(held('a2', { tool: 'ask_human' }));
    expect(browser.open().map((n) => n.title)).toEqual(['ask_human needs your approval']);
  });

  it('are not shown without the browser’s permission, and never ask for it by themselves', async () => {
    const { hold, browser } = await setup({ permission: 'default' });
    hold(held('a1'));
    expect(browser.created).toHaveLength(0);
    expect(browser.state.questions).toBe(0);
  });

  it('start without a reload once the person allows them in the site’s settings', async () => {
    const { hold, browser } = await setup({ permission: 'default' });
    browser.state.permission = 'granted';
    hold(held('a1'));
    expect(browser.open()).toHaveLength(1);
    expect(browser.state.questions).toBe(0);
  });

  it('follow the person: off in this browser closes what is shown and raises no more', async () => {
    const { hold, alerts, browser } = await setup();
    hold(held('a1'));
    expect(browser.open()).toHaveLength(1);
    alerts.getState().turnOff();
    expect(browser.open()).toHaveLength(0);
    hold(held('a2'));
    expect(browser.open()).toHaveLength(0);
    await alerts.getState().turnOn();
    hold(held('a3'));
    expect(browser.open()).toHaveLength(1);
  });

  it('stop with the tab: what is shown closes', async () => {
    const { hold, browser, stop } = await setup();
    hold(held('a1'));
    stop();
    expect(browser.open()).toHaveLength(0);
  });
});

describe('the opt-in', () => {
  it('asks the browser only when the person turns notifications on, and remembers "off" and "not now"', async () => {
    const storage = memoryStorage();
    const browser = fakeNotificationClass('default');
    const store = createBrowserAlertsStore({ Notification: browser.Notification, storage });
    expect(browser.state.questions).toBe(0);
    expect(offering(store.getState())).toBe(true);
    expect(notifying(store.getState())).toBe(false);

    await store.getState().turnOn();
    expect(browser.state.questions).toBe(1);
    expect(store.getState().permission).toBe('granted');
    expect(notifying(store.getState())).toBe(true);
    expect(offering(store.getState())).toBe(false);

    store.getState().turnOff();
    const later = createBrowserAlertsStore({ Notification: browser.Notification, storage });
    expect(notifying(later.getState())).toBe(false);
    // Permission granted already: turning on again asks nothing.
    await later.getState().turnOn();
    expect(browser.state.questions).toBe(1);
    expect(notifying(later.getState())).toBe(true);

    const declined = createBrowserAlertsStore({
      Notification: fakeNotificationClass('default').Notification,
      storage,
    });
    declined.getState().dismissPrompt();
    expect(
      offering(
        createBrowserAlertsStore({
          Notification: fakeNotificationClass('default').Notification,
          storage,
        }).getState(),
      ),
    ).toBe(false);
  });

  it('reports a refusal, and a browser without notifications', async () => {
    const browser = fakeNotificationClass('default');
    browser.state.answer = 'denied';
    const store = createBrowserAlertsStore({ Notification: browser.Notification });
    await store.getState().turnOn();
    expect(store.getState().permission).toBe('denied');
    expect(notifying(store.getState())).toBe(false);
    expect(createBrowserAlertsStore({}).getState().permission).toBe('unsupported');
  });
});
