// Clients: the MCP clients on this machine, protected in one click (see OnThisMachine), and one
// grant per agent. Create one (its token is shown once, with each client's configuration for every
// server ready to paste), see the grants and the temporary grants given from Pending, and rename or
// revoke them. Everything shown is text; nothing from the core is read as markup.
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type {
  BridgeInfo,
  GrantInfo,
  ServerInfo,
  TemporaryGrant,
} from '../../../../shared/contract';
import { isValidName, NAME_RULE } from '../../../../shared/model/names';
import type { ClientsState } from './clients-store';
import { formatCountdown } from '../pending/format-args';
import { configSnippets, type ConfigSnippet } from './config-snippets';
import { OnThisMachine } from './on-this-machine';
import { ErrorBanner, ScreenHeader } from '../../components/screen-parts';
import { ConfirmBar } from '../../components/confirm-bar';
import { CopyButton } from '../../components/copy-button';
import { NAME_MAX, shown } from '../../components/shown-text';
import { formatTime } from '../../components/format-time';

export function ClientsScreen({ store }: { store: StoreApi<ClientsState> }) {
  const grants = useStore(store, (s) => s.grants);
  const temporary = useStore(store, (s) => s.temporary);
  const servers = useStore(store, (s) => s.servers);
  const loaded = useStore(store, (s) => s.loaded);
  const created = useStore(store, (s) => s.created);
  const error = useStore(store, (s) => s.error);
  const bridge = useStore(store, (s) => s.machine.bridge);

  useEffect(() => {
    void store.getState().load();
    void store.getState().loadMachine();
  }, [store]);

  return (
    <section className="screen" aria-labelledby="clients-title">
      <ScreenHeader
        id="clients-title"
        title="Clients"
        count={grants.length === 1 ? '1 client' : `${grants.length} clients`}
      />
      <ErrorBanner message={error} onDismiss={() => store.getState().dismissError()} />
      <OnThisMachine store={store} />
      <h3 className="section-title">Grants</h3>
      <p className="hint muted">
        One per agent, each with its own token: Protect makes one for each client it protects, and
        you can make one for any other agent here.
      </p>
      <CreateForm store={store} />
      {created && (
        <TokenPanel
          name={created.name}
          token={created.token}
          servers={servers}
          bridge={bridge}
          onDismiss={() => store.getState().dismissCreated()}
        />
      )}
      {loaded && grants.length === 0 ? (
        <div className="empty">
          <p>No clients yet.</p>
          <p className="muted">
            Create a client for each agent (Claude Code, Cursor, a script): each gets its own token,
            so you can tell their calls apart and revoke one without touching the others.
          </p>
        </div>
      ) : (
        <GrantList grants={grants} servers={servers} bridge={bridge} store={store} />
      )}
      <TemporaryList temporary={temporary} store={store} />
    </section>
  );
}

function CreateForm({ store }: { store: StoreApi<ClientsState> }) {
  const adding = useStore(store, (s) => s.adding);
  const [name, setName] = useState('');
  const trimmed = name.trim();
  const invalid = trimmed !== '' && !isValidName(trimmed);

  return (
    <form
      className="client-form"
      aria-label="Create a client"
      onSubmit={(event) => {
        event.preventDefault();
        if (trimmed === '' || invalid) return;
        void store
          .getState()
          .add(trimmed)
          .then((ok) => {
            if (ok) setName('');
          });
      }}
    >
      <label htmlFor="client-name">New client</label>
      <input
        id="client-name"
        type="text"
        placeholder="laptop-agent"
        maxLength={64}
        value={name}
        aria-invalid={invalid}
        aria-describedby="client-name-rule"
        onChange={(event) => setName(event.target.value)}
      />
      <button type="submit" className="allow" disabled={adding || trimmed === '' || invalid}>
        Create
      </button>
      <p id="client-name-rule" className={`hint ${invalid ? 'invalid' : 'muted'}`}>
        Name: {NAME_RULE}.
      </p>
    </form>
  );
}

function TokenPanel({
  name,
  token,
  servers,
  bridge,
  onDismiss,
}: {
  name: string;
  token: string;
  servers: ServerInfo[];
  bridge?: BridgeInfo;
  onDismiss(): void;
}) {
  return (
    <section className="token-panel" aria-label={`Token for ${name}`}>
      <h3>Client {name} created</h3>
      <p className="warning" role="note">
        Copy this token now: it is shown only once. Airlock keeps just its hash, so it cannot show
        it again. If it is lost, revoke the client and create a new one.
      </p>
      <div className="copy-row">
        <code className="token" aria-label="Token">
          {token}
        </code>
        <CopyButton text={token} label="Copy token" />
      </div>
      <Snippets servers={servers} token={token} bridge={bridge} />
      <button type="button" onClick={onDismiss}>
        I have saved the token
      </button>
    </section>
  );
}

/** One configuration per client, covering every server. */
function Snippets({
  servers,
  token,
  bridge,
}: {
  servers: ServerInfo[];
  token?: string;
  bridge?: BridgeInfo;
}) {
  if (servers.length === 0) {
    return (
      <p className="muted">No servers are configured yet, so there is nothing to connect to.</p>
    );
  }
  return (
    <div className="server-snippets">
      <h4>
        Configuration for{' '}
        {servers.length === 1 ? (
          <>
            server <span className="tool">{servers[0]!.id}</span>
          </>
        ) : (
          `all ${servers.length} servers`
        )}
      </h4>
      {configSnippets(servers, token, bridge).map((snippet) => (
        <Snippet key={snippet.id} snippet={snippet} />
      ))}
    </div>
  );
}

function Snippet({ snippet }: { snippet: ConfigSnippet }) {
  return (
    <div className="snippet">
      <div className="snippet-head">
        <strong>{snippet.title}</strong>
        <CopyButton text={snippet.text} label={`Copy ${snippet.title} configuration`} />
      </div>
      <p className="hint muted">{snippet.note}</p>
      <pre className="args" aria-label={`${snippet.title} configuration`}>
        {snippet.text}
      </pre>
    </div>
  );
}

function GrantList({
  grants,
  servers,
  bridge,
  store,
}: {
  grants: GrantInfo[];
  servers: ServerInfo[];
  bridge?: BridgeInfo;
  store: StoreApi<ClientsState>;
}) {
  if (grants.length === 0) return null;
  return (
    <ul className="approvals grants" aria-label="Clients">
      {grants.map((grant) => (
        <GrantRow key={grant.name} grant={grant} servers={servers} bridge={bridge} store={store} />
      ))}
    </ul>
  );
}

function GrantRow({
  grant,
  servers,
  bridge,
  store,
}: {
  grant: GrantInfo;
  servers: ServerInfo[];
  bridge?: BridgeInfo;
  store: StoreApi<ClientsState>;
}) {
  const busy = useStore(store, (s) => s.busy.has(grant.name));
  const [confirming, setConfirming] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [showConfig, setShowConfig] = useState(false);

  return (
    <li className="approval" aria-label={`Client ${grant.name}`}>
      <div className="approval-head">
        <span className="tool">{grant.name}</span>
        <span className="muted">created {formatDate(grant.created)}</span>
        <span className="grant-actions">
          <button type="button" className="link" onClick={() => setShowConfig(!showConfig)}>
            {showConfig ? 'Hide configuration' : 'Show configuration'}
          </button>
          {!renaming && (
            <button type="button" disabled={busy} onClick={() => setRenaming(true)}>
              Rename
            </button>
          )}
          {!confirming && (
            <button
              type="button"
              className="deny"
              disabled={busy}
              onClick={() => setConfirming(true)}
            >
              Revoke
            </button>
          )}
        </span>
      </div>
      {renaming && (
        <RenameForm
          name={grant.name}
          busy={busy}
          onRename={async (newName) => {
            if (await store.getState().rename(grant.name, newName)) setRenaming(false);
          }}
          onCancel={() => setRenaming(false)}
        />
      )}
      {confirming && (
        <ConfirmBar
          label={`Revoke ${grant.name}`}
          confirmText="Confirm"
          busy={busy}
          onConfirm={() => {
            void store
              .getState()
              .revoke(grant.name)
              .then(() => setConfirming(false));
          }}
          onCancel={() => setConfirming(false)}
        >
          Revoke {grant.name}? Agents using it lose access at once.
        </ConfirmBar>
      )}
      {showConfig && (
        <>
          <p className="hint muted">
            The token was shown only when this client was created; put it where {'alk_...'} stands.
          </p>
          <Snippets servers={servers} bridge={bridge} />
        </>
      )}
    </li>
  );
}

/** A new name for a grant: same rules as a new client's name, checked as typed. */
function RenameForm({
  name,
  busy,
  onRename,
  onCancel,
}: {
  name: string;
  busy: boolean;
  onRename(newName: string): Promise<void>;
  onCancel(): void;
}) {
  const [newName, setNewName] = useState(name);
  const trimmed = newName.trim();
  const problem = isValidName(trimmed) ? undefined : `Name: ${NAME_RULE}.`;
  const unchanged = trimmed === name;
  return (
    <form
      className="actions confirm"
      aria-label={`Rename ${name}`}
      onSubmit={(event) => {
        event.preventDefault();
        if (!problem && !unchanged) void onRename(trimmed);
      }}
    >
      <input
        type="text"
        aria-label={`New name for ${name}`}
        aria-invalid={problem !== undefined}
        value={newName}
        onChange={(event) => setNewName(event.target.value)}
        autoFocus
      />
      <button type="submit" disabled={busy || problem !== undefined || unchanged}>
        Rename
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <span className="hint muted">
        {problem ??
          'The token stays the same. Its policy rules and rate-limit counts move to the new name; connected agents start a new session.'}
      </span>
    </form>
  );
}

function TemporaryList({
  temporary,
  store,
}: {
  temporary: TemporaryGrant[];
  store: StoreApi<ClientsState>;
}) {
  const now = useNow(1000);
  if (temporary.length === 0) return null;
  return (
    <>
      <h3 className="section-title">Temporary grants</h3>
      <p className="hint muted">
        Given from Pending with &ldquo;Allow for N min&rdquo;: the tool runs without asking until
        the time is up.
      </p>
      <ul className="approvals" aria-label="Temporary grants">
        {temporary.map((t) => (
          <TemporaryRow key={t.id} grant={t} now={now} store={store} />
        ))}
      </ul>
    </>
  );
}

function TemporaryRow({
  grant,
  now,
  store,
}: {
  grant: TemporaryGrant;
  now: number;
  store: StoreApi<ClientsState>;
}) {
  const busy = useStore(store, (s) => s.busy.has(grant.id));
  const left = grant.expiresAt - now;
  // The tool's name came from its server, through a held call.
  const tool = shown(grant.tool, NAME_MAX);
  return (
    <li className="approval" aria-label={`${tool} for ${grant.grant}`}>
      <div className="approval-head">
        <span className="tool">{tool}</span>
        <span className="muted">
          for client <strong>{grant.grant}</strong> on <strong>{grant.server}</strong>
        </span>
        <span className={`countdown${left < 60_000 ? ' urgent' : ''}`} title="Time left">
          {formatCountdown(left)}
        </span>
        <span className="grant-actions">
          <button
            type="button"
            className="deny"
            disabled={busy}
            onClick={() => void store.getState().revokeTemporary(grant.id)}
          >
            Revoke
          </button>
        </span>
      </div>
    </li>
  );
}

function formatDate(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : formatTime(ms);
}

/** The current time, updated every `intervalMs`, for countdowns. */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
