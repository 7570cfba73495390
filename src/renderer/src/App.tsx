// The window's frame: the app name and the screens. Only Pending is built so far; the other
// screens (Activity, Policies, Servers, Clients, Settings) come with the UI issue.
import { useEffect, useMemo } from 'react';
import type { Api } from '../../shared/contract';
import { PendingScreen } from './features/pending/PendingScreen';
import { createPendingStore } from './stores/pending-store';

export function App({ api }: { api: Api }) {
  const pending = useMemo(() => createPendingStore(api), [api]);
  useEffect(() => () => pending.stop(), [pending]);
  return (
    <div className="app">
      <header className="app-header">
        <h1>Airlock</h1>
      </header>
      <main>
        <PendingScreen store={pending} />
      </main>
    </div>
  );
}
