// Servers: the upstream MCP servers Airlock guards. Each shows where agents connect, its live
// status, its policy's state and its tools with the risk the policy gives each; servers are added,
// edited, tested and removed here. With no servers yet, this is where a first-time user starts.
// Everything shown is text; nothing from the core or a server is read as markup.
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { SecretStoreInfo } from '../../../../shared/contract';
import { ErrorBanner, ScreenHeader } from '../../components/screen-parts';
import { ConfigProblems } from '../../components/config-problems';
import { NAME_MAX, shown, TEXT_MAX } from '../../components/shown-text';
import type { ServersState } from './servers-store';
import './servers.css';
import { FirstRun } from './first-run';
import { ServerCard } from './server-card';
import { ServerForm } from './server-form-view';

type Editing = { mode: 'add' } | { mode: 'edit'; id: string };

export function ServersScreen({
  store,
  onOpenPolicy,
}: {
  store: StoreApi<ServersState>;
  /** Shows the server's policy on the Policies screen. */
  onOpenPolicy(server: string): void;
}) {
  const servers = useStore(store, (s) => s.servers);
  const loaded = useStore(store, (s) => s.loaded);
  const error = useStore(store, (s) => s.error);
  const config = useStore(store, (s) => s.config);
  const secretStore = useStore(store, (s) => s.secretStore);
  const [editing, setEditing] = useState<Editing | undefined>();

  useEffect(() => {
    void store.getState().load();
  }, [store]);

  const firstRun = loaded && servers.length === 0;
  const close = () => setEditing(undefined);

  return (
    <section className="screen servers-screen" aria-labelledby="servers-title">
      <ScreenHeader
        id="servers-title"
        title="Servers"
        count={servers.length === 1 ? '1 server' : `${servers.length} servers`}
      />
      <ErrorBanner message={error} onDismiss={() => store.getState().dismissError()} />
      <ConfigProblems config={config} />
      {secretStore && <SecretStoreNote store={secretStore} />}
      {firstRun ? (
        <FirstRun store={store} />
      ) : (
        <>
          {editing?.mode !== 'add' && loaded && (
            <div className="servers-toolbar">
              <button type="button" className="allow" onClick={() => setEditing({ mode: 'add' })}>
                Add a server
              </button>
            </div>
          )}
          {editing?.mode === 'add' && <ServerForm store={store} onDone={close} onCancel={close} />}
          <ul className="server-list" aria-label="Servers">
            {servers.map((server) =>
              editing?.mode === 'edit' && editing.id === server.id ? (
                <li key={server.id} className="server-card editing">
                  <ServerForm store={store} editId={server.id} onDone={close} onCancel={close} />
                </li>
              ) : (
                <ServerCard
                  key={server.id}
                  server={server}
                  store={store}
                  onOpenPolicy={onOpenPolicy}
                  onEdit={() => setEditing({ mode: 'edit', id: server.id })}
                />
              ),
            )}
          </ul>
        </>
      )}
    </section>
  );
}

/** Where header and environment values are kept, so a person knows what protects them. */
function SecretStoreNote({ store }: { store: SecretStoreInfo }) {
  return (
    <p className="hint muted secret-store" aria-label="Where secrets are kept">
      {store.kind === 'keychain' ? (
        <>
          Header and environment values are kept in the {shown(store.name, NAME_MAX)}; config.json
          only refers to them.
        </>
      ) : (
        <>
          Header and environment values are kept in a file readable by you alone:{' '}
          <code>{shown(store.file, TEXT_MAX)}</code>. No OS keychain could be used; config.json only
          refers to them.
        </>
      )}
    </p>
  );
}
