// The window's frame: the app name, one tab per screen, and the screen shown. Each screen owns a
// feature folder and a store built from the Api. Screens can send the person to another screen
// (Pending's "Always allow" opens the proposed policy; a server opens its policy). In a browser
// the tab also announces held calls (its title, and notifications once the person opts in).
import { useEffect, useMemo, useReducer, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { Api } from '../../shared/contract';
import { ActivityScreen } from './features/activity/activity-screen';
import { ClientsScreen } from './features/clients/clients-screen';
import { PendingScreen } from './features/pending/pending-screen';
import { PoliciesScreen } from './features/policies/policies-screen';
import { ServersScreen } from './features/servers/servers-screen';
import { SettingsScreen } from './features/settings/settings-screen';
import { createActivityStore } from './features/activity/activity-store';
import { createClientsStore } from './features/clients/clients-store';
import { createPendingStore } from './features/pending/pending-store';
import { createPoliciesStore } from './features/policies/policies-store';
import { createServersStore } from './features/servers/servers-store';
import { createSettingsStore } from './features/settings/settings-store';
import { createSetupStore } from './stores/setup-store';
import { GettingStarted } from './components/getting-started';
import { PauseBanner, PauseButton } from './components/pause-control';
import { createPauseStore } from './stores/pause-store';
import type { ApiTransport } from './api/api-client';
import { NotifyOffer } from './features/alerts/browser-notifications';
import { pageTimers, useBrowserAlerts } from './features/alerts/use-browser-alerts';
import type { NoticeTimers } from '../../shared/held-call-notices';

const SCREEN_IDS = ['pending', 'activity', 'policies', 'servers', 'clients', 'settings'] as const;
export type ScreenId = (typeof SCREEN_IDS)[number];

/**
 * The screen the address names (#/activity), so a reload or a bookmark opens the same one. What
 * follows a "?" belongs to the screen (Activity keeps its filters there).
 */
function screenInAddress(): ScreenId {
  const named = window.location.hash.replace(/^#\/?/, '').split('?')[0]!;
  return (SCREEN_IDS as readonly string[]).includes(named) ? (named as ScreenId) : 'pending';
}

/** The screen shown, kept in the address: tabs add history entries, so Back goes back a screen. */
function useScreenInAddress(): [ScreenId, (screen: ScreenId) => void] {
  const [screen, setScreen] = useState<ScreenId>(screenInAddress);
  useEffect(() => {
    const follow = () => setScreen(screenInAddress());
    window.addEventListener('popstate', follow);
    window.addEventListener('hashchange', follow);
    return () => {
      window.removeEventListener('popstate', follow);
      window.removeEventListener('hashchange', follow);
    };
  }, []);
  const open = (next: ScreenId) => {
    if (next !== screenInAddress()) window.history.pushState(null, '', `#/${next}`);
    setScreen(next);
  };
  return [screen, open];
}

const stoppedStores = new WeakSet<object>();

/**
 * A store a screen owns for the app's lifetime; stop() ends its event subscription. React's
 * StrictMode runs each effect's cleanup once right after mounting (in development): a store
 * stopped that way would never hear an event again, so it is replaced by a fresh one.
 */
function useScreenStore<S extends { stop(): void }>(create: (api: Api) => S, api: Api): S {
  const [generation, renew] = useReducer((n: number) => n + 1, 0);
  const store = useMemo(() => create(api), [create, api, generation]);
  useEffect(() => {
    if (stoppedStores.has(store)) return renew();
    return () => {
      stoppedStores.add(store);
      store.stop();
    };
  }, [store]);
  return store;
}

export function App({
  api,
  transport = 'ipc',
  timers = pageTimers,
}: {
  api: Api;
  transport?: ApiTransport;
  /** When a browser tab's notification for calls held together is shown; tests move time. */
  timers?: NoticeTimers;
}) {
  const pending = useScreenStore(createPendingStore, api);
  const activity = useScreenStore(createActivityStore, api);
  const policies = useScreenStore(createPoliciesStore, api);
  const servers = useScreenStore(createServersStore, api);
  const clients = useScreenStore(createClientsStore, api);
  const settings = useScreenStore(createSettingsStore, api);
  const setup = useScreenStore(createSetupStore, api);
  const pause = useScreenStore(createPauseStore, api);
  const waiting = useStore(pending, (s) => s.approvals.length);
  const [screen, setScreen] = useScreenInAddress();
  const browserAlerts = useBrowserAlerts({
    transport,
    pending,
    timers,
    openPending: () => setScreen('pending'),
  });
  // Events missed while the stream was down would leave every screen stale: load them all again.
  useEffect(
    () =>
      api.onReconnect?.(() => {
        for (const store of [
          pending,
          activity,
          policies,
          servers,
          clients,
          settings,
          setup,
          pause,
        ]) {
          void store.getState().load();
        }
      }),
    [api, pending, activity, policies, servers, clients, settings, setup, pause],
  );

  const openPolicy = (server: string) => {
    void policies.getState().open(server);
    setScreen('policies');
  };
  const screens: { id: ScreenId; label: string; badge?: number; render(): ReactNode }[] = [
    {
      id: 'pending',
      label: 'Pending',
      badge: waiting,
      render: () => (
        <PendingScreen
          store={pending}
          onProposal={(proposal) => {
            policies.getState().propose(proposal);
            setScreen('policies');
          }}
        />
      ),
    },
    {
      id: 'activity',
      label: 'Activity',
      render: () => <ActivityScreen store={activity} onOpenPending={() => setScreen('pending')} />,
    },
    { id: 'policies', label: 'Policies', render: () => <PoliciesScreen store={policies} /> },
    {
      id: 'servers',
      label: 'Servers',
      render: () => <ServersScreen store={servers} onOpenPolicy={openPolicy} />,
    },
    { id: 'clients', label: 'Clients', render: () => <ClientsScreen store={clients} /> },
    {
      id: 'settings',
      label: 'Settings',
      render: () => <SettingsScreen store={settings} browserAlerts={browserAlerts} />,
    },
  ];
  const current = screens.find((s) => s.id === screen) ?? screens[0]!;

  return (
    <div className="app">
      <header className="app-header">
        <h1>Airlock</h1>
        <nav aria-label="Screens">
          {screens.map((s) => (
            <button
              key={s.id}
              type="button"
              className="tab"
              aria-current={s.id === current.id ? 'page' : undefined}
              onClick={() => setScreen(s.id)}
            >
              {s.label}
              {s.badge ? <span className="badge">{s.badge}</span> : null}
            </button>
          ))}
        </nav>
        <PauseButton store={pause} />
      </header>
      <main>
        <PauseBanner store={pause} />
        <GettingStarted store={setup} onOpen={setScreen} />
        {current.id === 'pending' && browserAlerts ? <NotifyOffer store={browserAlerts} /> : null}
        {current.render()}
      </main>
    </div>
  );
}
