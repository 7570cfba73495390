// "On this machine": the MCP clients Airlock found in this user's home (Claude Desktop, Claude Code,
// Cursor, VS Code, Windsurf) with their servers, and Protect / Unprotect for each. Protect shows
// what will change before it changes (the grant, each server's entry now and after, the backups),
// and lets the person choose the servers. Paths, names and commands come from files on disk that
// anything may have written: all of it is shown as text.
import { useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { ClientOnMachine, ClientServer, ProtectPlan } from '../../../../shared/contract';
import { choosable, type ClientsState, type MachineOutcome } from './clients-store';
import { ConfirmBar } from '../../components/confirm-bar';
import { NAME_MAX, shown } from '../../components/shown-text';
import './clients.css';

/** An entry of a client's config, as the preview shows it before and after. */
const ENTRY_MAX = 20_000;

export function OnThisMachine({ store }: { store: StoreApi<ClientsState> }) {
  const machine = useStore(store, (s) => s.machine);
  const found = machine.clients.filter((c) => c.files.some((f) => f.exists) || c.protection);
  const missing = machine.clients.filter((c) => !found.includes(c));
  return (
    <section className="machine" aria-labelledby="machine-title">
      <h3 id="machine-title" className="section-title">
        On this machine
      </h3>
      <p className="hint muted">
        The MCP clients Airlock found in your home folder, with their servers. Protect puts Airlock
        between a client and its servers: they become Airlock servers, the client gets a grant of
        its own, and its config is rewritten to reach them through Airlock (after a backup beside
        it). Unprotect puts it back.
      </p>
      {machine.error && (
        <p className="banner error" role="alert">
          Airlock could not look for the clients on this machine: {shown(machine.error)}
        </p>
      )}
      {machine.loaded && found.length === 0 && !machine.error && (
        <p className="muted">No MCP client config was found in your home folder.</p>
      )}
      {found.length > 0 && (
        <ul className="machine-clients" aria-label="Clients on this machine">
          {found.map((client) => (
            <MachineClient key={client.id} client={client} store={store} />
          ))}
        </ul>
      )}
      {missing.length > 0 && (
        <p className="hint muted">
          Not found: {missing.map((c) => c.name).join(', ')} (looked in{' '}
          {missing
            .flatMap((c) => c.files.map((f) => f.path))
            .map((path) => shown(path))
            .join(', ')}
          ).
        </p>
      )}
    </section>
  );
}

function MachineClient({
  client,
  store,
}: {
  client: ClientOnMachine;
  store: StoreApi<ClientsState>;
}) {
  const preview = useStore(store, (s) =>
    s.machine.preview?.client === client.id ? s.machine.preview : undefined,
  );
  const working = useStore(store, (s) => s.machine.working);
  const refusal = useStore(store, (s) =>
    s.machine.refusal?.client === client.id ? s.machine.refusal.message : undefined,
  );
  const outcome = useStore(store, (s) =>
    s.machine.outcome?.client === client.id ? s.machine.outcome : undefined,
  );
  const [confirming, setConfirming] = useState(false);
  const busy = working !== undefined;
  const protection = client.protection;

  return (
    <li className="machine-client" aria-label={`${client.name} on this machine`}>
      <div className="machine-head">
        <strong className="machine-name">{client.name}</strong>
        {protection ? (
          <span className="chip protected">
            Protected · grant {shown(protection.grant, NAME_MAX)}
          </span>
        ) : (
          <span className="chip">Not protected</span>
        )}
        <span className="muted hint">
          {client.via === 'http' ? 'through Airlock over HTTP' : 'through Airlock’s stdio bridge'}
        </span>
        <span className="machine-actions">
          {protection
            ? !confirming && (
                <button type="button" disabled={busy} onClick={() => setConfirming(true)}>
                  Unprotect…
                </button>
              )
            : !preview && (
                <button
                  type="button"
                  className="allow"
                  disabled={busy || client.cannotProtect !== undefined}
                  title={client.cannotProtect}
                  onClick={() => void store.getState().preview(client.id)}
                >
                  Protect…
                </button>
              )}
        </span>
      </div>
      {!protection && client.cannotProtect && !client.files.some((f) => f.problem) && (
        <p className="hint muted">{shown(client.cannotProtect)}</p>
      )}
      {protection?.problem && (
        <p className="warning" role="note">
          {shown(protection.problem)}
        </p>
      )}
      {client.files
        .filter((file) => file.exists || file.problem)
        .map((file) => (
          <div key={file.path} className="machine-file">
            <div className="machine-path">
              <code>{shown(file.path)}</code>{' '}
              <span className="muted hint">{shown(file.label)}</span>
            </div>
            {file.problem && (
              <p className="warning" role="note">
                {shown(file.problem)}
              </p>
            )}
            {file.backup && (
              <p className="hint muted">
                Original kept in <code>{shown(file.backup)}</code>
                {file.changedSince ? '; the file changed since Airlock wrote it.' : '.'}
              </p>
            )}
            {file.servers.length > 0 && (
              <ul className="machine-servers" aria-label={`Servers in ${file.path}`}>
                {file.servers.map((server) => (
                  <MachineServer key={server.key} server={server} />
                ))}
              </ul>
            )}
          </div>
        ))}
      {confirming && protection && (
        <ConfirmBar
          label={`Unprotect ${client.name}`}
          confirmText="Unprotect"
          busy={busy}
          onConfirm={() => {
            void store
              .getState()
              .unprotect(client.id)
              .then(() => setConfirming(false));
          }}
          onCancel={() => setConfirming(false)}
        >
          {unprotectText(client)}
        </ConfirmBar>
      )}
      {preview && (
        <ProtectPanel
          client={client}
          plan={preview.plan}
          chosen={preview.chosen}
          loading={preview.loading}
          error={preview.error}
          busy={busy}
          store={store}
        />
      )}
      {refusal && (
        <div className="banner error" role="alert">
          <span>{shown(refusal)}</span>
          <button type="button" onClick={() => store.getState().dismissOutcome()}>
            Dismiss
          </button>
        </div>
      )}
      {outcome && <Outcome outcome={outcome} onDismiss={() => store.getState().dismissOutcome()} />}
    </li>
  );
}

const STATUS_TEXT: Record<ClientServer['status'], string> = {
  direct: 'direct',
  protected: 'through Airlock',
  'through-airlock': 'through Airlock',
  'cannot-import': 'left as it is',
};

function MachineServer({ server }: { server: ClientServer }) {
  return (
    <li className={`machine-server status-${server.status}`}>
      <span className="tool">{shown(server.name, NAME_MAX)}</span>
      {server.scope && <span className="muted hint">{shown(server.scope)}</span>}
      <span className="chip">{server.transport}</span>
      <code className="machine-target">{shown(server.target, 200)}</code>
      <span className={`chip server-status ${server.status}`}>{STATUS_TEXT[server.status]}</span>
      {server.note && <span className="muted hint">{shown(server.note)}</span>}
    </li>
  );
}

function unprotectText(client: ClientOnMachine): string {
  const protection = client.protection!;
  const files = client.files.filter((f) => f.backup).map((f) => f.path);
  const imported = protection.imported;
  const changed = client.files.some((f) => f.changedSince);
  return (
    `Unprotect ${client.name}? Airlock puts ${files.join(', ')} back from ${files.length === 1 ? 'its backup' : 'their backups'}, ` +
    `revokes grant ${protection.grant}` +
    (imported.length > 0
      ? ` and removes the servers it imported (${imported.join(', ')}), with their policies unless you edited them.`
      : '.') +
    (changed
      ? ' The file changed since Airlock wrote it: your other changes stay, and if the servers Airlock rewrote were changed, Unprotect refuses and says which.'
      : '')
  );
}

function ProtectPanel({
  client,
  plan,
  chosen,
  loading,
  error,
  busy,
  store,
}: {
  client: ClientOnMachine;
  plan?: ProtectPlan;
  chosen?: string[];
  loading: boolean;
  error?: string;
  busy: boolean;
  store: StoreApi<ClientsState>;
}) {
  const servers = client.files.flatMap((f) => f.servers).filter((s) => s.status === 'direct');
  const all = choosable(client);
  const picked = new Set(chosen ?? all);
  const ids = new Map(plan?.servers.map((s) => [s.key, s]) ?? []);
  return (
    <section className="protect-panel" aria-label={`Protect ${client.name}`}>
      <h4>Protect {client.name}: what will change</h4>
      {error && (
        <p className="banner error" role="alert">
          {shown(error)}
        </p>
      )}
      {plan && (
        <p>
          Airlock creates the client grant <strong>{shown(plan.grant, NAME_MAX)}</strong> for{' '}
          {client.name} and changes the files below. Nothing changes until you click Protect.
        </p>
      )}
      <fieldset className="protect-servers" disabled={busy}>
        <legend>Servers to protect</legend>
        {servers.map((server) => {
          const target = ids.get(server.key);
          return (
            <label key={server.key} className="protect-server">
              <input
                type="checkbox"
                checked={picked.has(server.key)}
                onChange={(event) => void store.getState().choose(server.key, event.target.checked)}
              />
              <span className="tool">{shown(server.name, NAME_MAX)}</span>
              {server.scope && <span className="muted hint">{shown(server.scope)}</span>}
              {target && (
                <span className="muted hint">
                  {target.reused
                    ? `uses the Airlock server ${target.id} it already has`
                    : `becomes the Airlock server ${target.id}`}
                </span>
              )}
            </label>
          );
        })}
      </fieldset>
      {plan?.files.map((file) => (
        <div key={file.path} className="protect-file">
          <div className="machine-path">
            <code>{shown(file.path)}</code>{' '}
            <span className="muted hint">backed up first to {shown(file.backup)}</span>
          </div>
          {file.changes.map((change) => (
            <div
              key={`${change.scope ?? ''}/${change.name}`}
              className="entry-change"
              aria-label={`Change to ${change.name}`}
            >
              <div>
                <div className="hint muted">
                  {shown(change.name, NAME_MAX)} now
                  {change.scope ? ` (${shown(change.scope)})` : ''}
                </div>
                <pre className="args">{shown(change.before, ENTRY_MAX)}</pre>
              </div>
              <div>
                <div className="hint muted">after Protect</div>
                <pre className="args after">{shown(change.after, ENTRY_MAX)}</pre>
              </div>
            </div>
          ))}
        </div>
      ))}
      {plan && plan.skipped.filter((s) => s.reason !== 'not chosen').length > 0 && (
        <ul className="hint muted protect-skipped" aria-label="Left as they are">
          {plan.skipped
            .filter((s) => s.reason !== 'not chosen')
            .map((skip) => (
              <li key={skip.key}>
                {shown(skip.name, NAME_MAX)} stays as it is: {shown(skip.reason)}
              </li>
            ))}
        </ul>
      )}
      {plan && (
        <ul className="hint protect-notes">
          {plan.notes.map((note) => (
            <li key={note}>{shown(note)}</li>
          ))}
        </ul>
      )}
      <div className="actions">
        <button
          type="button"
          className="allow"
          disabled={busy || loading || !plan || plan.servers.length === 0}
          onClick={() => void store.getState().protect()}
        >
          {busy ? 'Protecting…' : 'Protect'}
        </button>
        <button type="button" disabled={busy} onClick={() => store.getState().closePreview()}>
          Cancel
        </button>
        {loading && <span className="muted hint">Reading the config…</span>}
        {busy && (
          <span className="muted hint">
            Listing each new server’s tools for its policy; a server fetched by npx may take a
            while.
          </span>
        )}
      </div>
    </section>
  );
}

function Outcome({ outcome, onDismiss }: { outcome: MachineOutcome; onDismiss(): void }) {
  if (outcome.kind === 'unprotected') {
    const { result } = outcome;
    return (
      <div className="outcome" role="status">
        <p>
          <strong>{result.client.name} is no longer protected.</strong> Grant{' '}
          {shown(result.grant, NAME_MAX)} is revoked
          {result.removed.length > 0
            ? `; servers removed from Airlock: ${result.removed.join(', ')}`
            : ''}
          .
        </p>
        <ul className="hint">
          {result.restored.map((file) => (
            <li key={file.path}>
              {shown(file.path)}{' '}
              {file.how === 'bytes'
                ? 'is back as it was, byte for byte.'
                : 'has the servers Airlock rewrote back; your other changes stay.'}
            </li>
          ))}
          {result.kept.length > 0 && (
            <li>Kept, since another protected client uses them: {result.kept.join(', ')}.</li>
          )}
          {result.notes.map((note) => (
            <li key={note}>{shown(note)}</li>
          ))}
        </ul>
        <button type="button" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    );
  }
  const { result } = outcome;
  return (
    <div className="outcome" role="status">
      <p>
        <strong>{result.client.name} is protected</strong> with grant{' '}
        {shown(result.grant, NAME_MAX)}: its calls now go through Airlock.
      </p>
      <ul className="hint">
        {result.files.map((file) => (
          <li key={file.path}>
            {shown(file.path)} rewritten; the original is in {shown(file.backup)}.
          </li>
        ))}
        {result.servers.map((server) => (
          <li key={`${server.id}/${server.name}`}>
            <span className="tool">{shown(server.name, NAME_MAX)}</span>{' '}
            {server.reused
              ? `uses the Airlock server ${server.id}`
              : `is the Airlock server ${server.id}`}
            {server.policy === 'kept'
              ? ', under the policy it has.'
              : `: allowed (read-only) ${list(server.allowed)}; needs your approval ${list(server.needsApproval)}.`}
            {server.problem && <span className="warning"> {shown(server.problem)}</span>}
          </li>
        ))}
        {result.notes.map((note) => (
          <li key={note}>{shown(note)}</li>
        ))}
      </ul>
      <p className="hint">
        Change what each server may do on <a href="#/policies">Policies</a>.
      </p>
      <button type="button" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}

function list(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.map((n) => shown(n, NAME_MAX)).join(', ');
}
