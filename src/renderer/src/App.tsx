// The window's frame: the app name, one tab per screen, and the screen shown. Each screen owns a
// feature folder and a store built from the Api. Screens not built yet are not listed.
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { Api } from '../../shared/contract';
import { ClientsScreen } from './features/clients/ClientsScreen';
import { PendingScreen } from './features/pending/PendingScreen';
import { SettingsScreen } from './features/settings/SettingsScreen';
import { createClientsStore } from './stores/clients-store';
import { createPendingStore } from './stores/pending-store';
import { createSettingsStore } from './stores/settings-store';

export type ScreenId = 'pending' | 'clients' | 'settings';

export function App({ api }: { api: Api }) {
  const pending = useMemo(() => createPendingStore(api), [api]);
  useEffect(() => () => pending.stop(), [pending]);
  const clients = useMemo(() => createClientsStore(api), [api]);
  useEffect(() => () => clients.stop(), [clients]);
  const settings = useMemo(() => createSettingsStore(api), [api]);
  useEffect(() => () => settings.stop(), [settings]);
  const waiting = useStore(pending, (s) => s.approvals.length);
  const [screen, setScreen] = useState<ScreenId>('pending');

  const screens: { id: ScreenId; label: string; badge?: number; render(): ReactNode }[] = [
    {
      id: 'pending',
      label: 'Pending',
      badge: waiting,
      render: () => <PendingScreen store={pending} />,
    },
    { id: 'clients', label: 'Clients', render: () => <ClientsScreen store={clients} /> },
    { id: 'settings', label: 'Settings', render: () => <SettingsScreen store={settings} /> },
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
      </header>
      <main>{current.render()}</main>
    </div>
  );
}
