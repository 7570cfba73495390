// One server on the Servers screen: its transport, live state, endpoint and policy state, the
// Policy, Edit and Remove actions, and its tools.
import { useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { ServerInfo } from '../../../../shared/contract';
import { ConfirmBar } from '../../components/confirm-bar';
import { CopyButton } from '../../components/copy-button';
import { shown, TEXT_MAX } from '../../components/shown-text';
import type { ServersState } from './servers-store';
import { TRANSPORT_LABELS } from './server-form';
import { ToolsSection } from './server-tools';

export function ServerCard({
  server,
  store,
  onOpenPolicy,
  onEdit,
}: {
  server: ServerInfo;
  store: StoreApi<ServersState>;
  onOpenPolicy(server: string): void;
  onEdit(): void;
}) {
  const busy = useStore(store, (s) => s.busy.has(server.id));
  const [confirming, setConfirming] = useState(false);
  const policyFile = server.policy.file;

  return (
    <li className="server-card" aria-label={`Server ${server.id}`}>
      <div className="server-head">
        <span className="tool server-id">{server.id}</span>
        <span className="chip">{TRANSPORT_LABELS[server.transport]}</span>
        <StateChip server={server} />
        <span className="server-actions">
          <button type="button" onClick={() => onOpenPolicy(server.id)}>
            Policy
          </button>
          <button type="button" onClick={onEdit} disabled={busy}>
            Edit
          </button>
          {!confirming && (
            <button
              type="button"
              className="deny"
              disabled={busy}
              onClick={() => setConfirming(true)}
            >
              Remove
            </button>
          )}
        </span>
      </div>
      {confirming && (
        <ConfirmBar
          label={`Remove ${server.id}`}
          confirmText="Confirm removal"
          busy={busy}
          onConfirm={() => {
            void store
              .getState()
              .remove(server.id)
              .then((removed) => {
                if (!removed) setConfirming(false);
              });
          }}
          onCancel={() => setConfirming(false)}
        >
          Remove {server.id}? Its open sessions close and agents get 404 at its endpoint. The policy
          file {policyFile} stays, for if you add it again.
        </ConfirmBar>
      )}
      <dl className="server-facts">
        <dt>{server.transport === 'stdio' ? 'Command' : 'URL'}</dt>
        <dd>
          <code className="target">{shown(server.target, TEXT_MAX)}</code>
        </dd>
        <dt>Agents connect to</dt>
        <dd className="copy-row">
          <code className="target" aria-label={`Endpoint of ${server.id}`}>
            {server.endpoint}
          </code>
          <CopyButton text={server.endpoint} label={`Copy endpoint of ${server.id}`} />
        </dd>
        <dt>Policy</dt>
        <dd>
          <PolicyState server={server} />
        </dd>
      </dl>
      {server.lastError && (
        <p className="server-error" role="note">
          Last error: {shown(server.lastError)}
        </p>
      )}
      <ToolsSection server={server} store={store} />
    </li>
  );
}

function StateChip({ server }: { server: ServerInfo }) {
  const label =
    server.state === 'connected'
      ? `connected, ${server.sessions} session${server.sessions === 1 ? '' : 's'}`
      : server.state === 'idle'
        ? 'idle, no sessions'
        : server.state;
  return <span className={`chip state-${server.state}`}>{label}</span>;
}

function PolicyState({ server }: { server: ServerInfo }) {
  const { policy } = server;
  const problems = policy.errors.length;
  if (problems > 0) {
    return (
      <span className="policy-state invalid">
        Invalid: {problems} problem{problems === 1 ? '' : 's'} in {policy.file}
        {policy.hash
          ? '; the last good policy stays in force.'
          : '; every call is refused until it is fixed.'}
      </span>
    );
  }
  if (!policy.hash) {
    return (
      <span className="policy-state missing">
        Missing: every call is refused until {policy.file} exists. Open Policy to write one.
      </span>
    );
  }
  return (
    <span className="policy-state loaded">
      Loaded from <span className="muted">{policy.file}</span>
    </span>
  );
}
