// Servers: the upstream MCP servers Airlock guards. Each shows where agents connect, its live
// status, its policy's state and its tools with the risk the policy gives each; servers are added,
// edited, tested and removed here. With no servers yet, this is where a first-time user starts.
// Everything shown is text; nothing from the core or a server is read as markup.
import { useEffect, useId, useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type {
  ConnectionTest,
  JsonProblem,
  SecretStoreInfo,
  ServerInfo,
  ToolInfo,
  ToolRisk,
} from '../../../../shared/contract';
import { isValidName, NAME_RULE } from '../../../../shared/model/names';
import { ErrorBanner, ScreenHeader } from '../../components/screen-parts';
import { ConfigProblems } from '../../components/ConfigProblems';
import { cutText, NAME_MAX, shown, TEXT_MAX } from '../../components/shown-text';
import type { ServersState } from '../../stores/servers-store';
import {
  emptyForm,
  formFromDraft,
  formFromPaste,
  requestFromForm,
  STARTER_POLICY,
  TRANSPORT_LABELS,
  type FormValues,
  type KeyValueRow,
  type Transport,
} from './server-form';
import './servers.css';
import { ConfirmBar } from '../../components/ConfirmBar';
import { CopyButton } from '../../components/CopyButton';
import { ToolFindings } from './ToolFindings';

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

function FirstRun({ store }: { store: StoreApi<ServersState> }) {
  // The steps after this one (a policy, a client) are the getting-started checklist's, shown
  // above every screen until they are done; this says only how to do the first.
  return (
    <div className="first-run">
      <div className="first-run-intro">
        <h3>Add your first MCP server</h3>
        <p>
          The command you would put in Claude Desktop&rsquo;s config (or paste its JSON entry), or
          the URL of a remote server. Test the connection, then save: agents then reach the server
          through Airlock, which checks every tool call against its policy first.
        </p>
      </div>
      <ServerForm store={store} onDone={() => {}} />
    </div>
  );
}

function ServerCard({
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

const RISK_LABELS: Record<ToolRisk, string> = {
  allowed: 'allowed',
  limited: 'limited',
  needs_approval: 'needs approval',
  denied: 'denied',
};

/** A symbol as well as a colour, so the risk reads without colour too. */
const RISK_MARKS: Record<ToolRisk, string> = {
  allowed: '✓',
  limited: '≤',
  needs_approval: '?',
  denied: '✕',
};

export function RiskBadge({ risk }: { risk: ToolRisk }) {
  return (
    <span className={`risk risk-${risk}`}>
      <span aria-hidden="true">{RISK_MARKS[risk]}</span> {RISK_LABELS[risk]}
    </span>
  );
}

function ToolsSection({ server, store }: { server: ServerInfo; store: StoreApi<ServersState> }) {
  const tools = useStore(store, (s) => s.tools[server.id]);
  useEffect(() => {
    if (tools === undefined) void store.getState().loadTools(server.id);
  }, [store, server.id, tools]);

  const count = tools?.status === 'loaded' ? tools.tools.length : undefined;
  return (
    <section className="server-tools" aria-label={`Tools of ${server.id}`}>
      <div className="tools-head">
        <h4>Tools{count === undefined ? '' : ` (${count})`}</h4>
        {tools?.status === 'loading' && (
          <span className="muted" role="status">
            Asking the server for its tools…
          </span>
        )}
        <button
          type="button"
          className="link"
          disabled={tools?.status === 'loading'}
          onClick={() => void store.getState().loadTools(server.id, true)}
        >
          Refresh tools
        </button>
      </div>
      {tools?.status === 'failed' && <p className="server-error">{shown(tools.error ?? '')}</p>}
      {tools && tools.tools.length > 0 && (
        <ToolsTable tools={tools.tools} server={server.id} store={store} />
      )}
      {tools?.status === 'loaded' && tools.tools.length === 0 && (
        <p className="muted">The server offers no tools.</p>
      )}
      {tools && tools.unknownInPolicy.length > 0 && (
        <p className="hint warn-text">
          The policy names tools this server does not offer:{' '}
          {shown(tools.unknownInPolicy.map((tool) => cutText(tool, NAME_MAX)).join(', '))}.
        </p>
      )}
    </section>
  );
}

function ToolsTable({
  tools,
  server,
  store,
}: {
  tools: ToolInfo[];
  server: string;
  store: StoreApi<ServersState>;
}) {
  return (
    <table className="tools-table" aria-label={`Tools of ${server} with their risk`}>
      <thead>
        <tr>
          <th scope="col">Tool</th>
          <th scope="col">Risk</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {tools.map((tool) => {
          // Names, words and schemas all come from the server, which may be hostile.
          const name = shown(tool.name, NAME_MAX);
          return (
            <tr key={tool.name} aria-label={name}>
              <td>
                <span className="tool">{name}</span>
                {tool.description && (
                  <p className="tool-description muted">{shown(tool.description)}</p>
                )}
                {tool.params.length > 0 && (
                  <p className="tool-params">
                    {tool.params.map((p) => (
                      <code key={p.name} title={p.description && shown(p.description)}>
                        {shown(p.name, NAME_MAX)}
                        {p.required ? '' : '?'}
                        {p.type ? `: ${shown(p.type, NAME_MAX)}` : ''}
                      </code>
                    ))}
                  </p>
                )}
                <ToolFindings tool={tool} server={server} store={store} />
              </td>
              <td>
                <RiskBadge risk={tool.risk.risk} />
              </td>
              <td>
                <span className="reason">{shown(tool.risk.reason)}</span>
                {tool.risk.rule && <span className="rule"> {shown(tool.risk.rule, NAME_MAX)}</span>}
                {tool.risk.grants.length > 0 && (
                  <ul className="grant-risks" aria-label={`Client overrides for ${name}`}>
                    {tool.risk.grants.map((g) => (
                      <li key={g.grant}>
                        for client <strong>{g.grant}</strong>: <RiskBadge risk={g.risk} />{' '}
                        <span className="rule">{shown(g.rule, NAME_MAX)}</span>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ServerForm({
  store,
  editId,
  onDone,
  onCancel,
}: {
  store: StoreApi<ServersState>;
  /** The server being edited; absent when adding. */
  editId?: string;
  onDone(): void;
  onCancel?: () => void;
}) {
  const formId = useId();
  const editing = editId !== undefined;
  const busy = useStore(store, (s) => (editId === undefined ? false : s.busy.has(editId)));
  const [values, setValues] = useState<FormValues>(emptyForm);
  const [loading, setLoading] = useState(editing);
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState(false);
  const [tested, setTested] = useState<ConnectionTest | undefined>();
  const [problems, setProblems] = useState<JsonProblem[]>([]);
  const [message, setMessage] = useState<string | undefined>();
  const [starter, setStarter] = useState(true);
  const [pasteOpen, setPasteOpen] = useState(false);
  const [paste, setPaste] = useState('');
  const [pasteNote, setPasteNote] = useState<string | undefined>();

  useEffect(() => {
    if (editId === undefined) return;
    let live = true;
    void store
      .getState()
      .draft(editId)
      .then((result) => {
        if (!live) return;
        if (result.ok) setValues(formFromDraft(result.value));
        else setMessage(result.message);
        setLoading(false);
      });
    return () => {
      live = false;
    };
  }, [store, editId]);

  const change = (patch: Partial<FormValues>) => {
    setValues((v) => ({ ...v, ...patch }));
    setTested(undefined);
  };
  const id = values.id.trim();
  const idInvalid = id !== '' && !isValidName(id);
  const complete =
    id !== '' &&
    !idInvalid &&
    (values.transport === 'stdio' ? values.command.trim() !== '' : values.url.trim() !== '');
  const fieldProblem = (field: string) =>
    problems.find((p) => problemField(p.path) === field)?.message;

  const report = (result: { message: string; problems: JsonProblem[] }) => {
    setMessage(result.message);
    setProblems(result.problems);
  };

  const runTest = async () => {
    setTesting(true);
    setTested(undefined);
    setMessage(undefined);
    setProblems([]);
    const request = requestFromForm(values);
    const result = await store
      .getState()
      .test(
        editing
          ? { config: request.config, id: editId, keep: request.keep }
          : { config: request.config, ...(isValidName(id) ? { id } : {}) },
      );
    setTesting(false);
    if (result.ok) setTested(result.value);
    else report(result);
  };

  const save = async () => {
    setSaving(true);
    setMessage(undefined);
    setProblems([]);
    const request = requestFromForm(values);
    const result = editing
      ? await store.getState().update(editId, request)
      : await store.getState().add(id, request, starter ? { starterPolicy: STARTER_POLICY } : {});
    setSaving(false);
    if (!result.ok) return report(result);
    if (!editing) {
      setValues(emptyForm());
      setTested(undefined);
    }
    onDone();
  };

  if (loading) return <p className="muted">Loading {editId}…</p>;

  return (
    <form
      className="server-form"
      aria-label={editing ? `Edit server ${editId}` : 'Add a server'}
      onSubmit={(event) => {
        event.preventDefault();
        if (complete && !saving) void save();
      }}
    >
      <h3>{editing ? `Edit ${editId}` : 'Add a server'}</h3>

      {!editing && (
        <div className="paste">
          <button
            type="button"
            className="link"
            aria-expanded={pasteOpen}
            onClick={() => setPasteOpen(!pasteOpen)}
          >
            {pasteOpen ? 'Hide JSON paste' : 'Paste a JSON entry (Claude Desktop format)'}
          </button>
          {pasteOpen && (
            <div className="paste-box">
              <label htmlFor={`${formId}-paste`} className="hint muted">
                An entry such as {'{"command": "npx", "args": [...]}'}, or a whole{' '}
                {'{"mcpServers": {...}}'} block: the first server is taken.
              </label>
              <textarea
                id={`${formId}-paste`}
                rows={5}
                spellCheck={false}
                value={paste}
                onChange={(event) => setPaste(event.target.value)}
              />
              <button
                type="button"
                onClick={() => {
                  const result = formFromPaste(paste, values);
                  if (!result.ok) return setPasteNote(result.error);
                  setValues(result.values);
                  setTested(undefined);
                  setPasteNote(result.note ?? 'Filled in; check the fields below.');
                }}
              >
                Fill in the form
              </button>
              {pasteNote && (
                <p className="hint" role="status">
                  {pasteNote}
                </p>
              )}
            </div>
          )}
        </div>
      )}

      <div className="form-grid">
        <label htmlFor={`${formId}-id`}>Id</label>
        <div>
          <input
            id={`${formId}-id`}
            type="text"
            value={values.id}
            placeholder="github"
            maxLength={64}
            disabled={editing}
            aria-invalid={idInvalid || fieldProblem('id') !== undefined}
            aria-describedby={`${formId}-id-hint`}
            onChange={(event) => change({ id: event.target.value })}
          />
          <p id={`${formId}-id-hint`} className={`hint ${idInvalid ? 'invalid' : 'muted'}`}>
            {editing
              ? 'The id names the endpoint and the policy file, so it cannot change.'
              : `Names the endpoint /mcp/<id> and the policy file: ${NAME_RULE}.`}
          </p>
        </div>

        <span id={`${formId}-transport`}>Transport</span>
        <div role="radiogroup" aria-labelledby={`${formId}-transport`} className="transport">
          {(Object.keys(TRANSPORT_LABELS) as Transport[]).map((transport) => (
            <label key={transport}>
              <input
                type="radio"
                name={`${formId}-transport`}
                value={transport}
                checked={values.transport === transport}
                onChange={() => change({ transport })}
              />{' '}
              {TRANSPORT_LABELS[transport]}
            </label>
          ))}
        </div>

        {values.transport === 'stdio' ? (
          <>
            <label htmlFor={`${formId}-command`}>Command</label>
            <div>
              <input
                id={`${formId}-command`}
                type="text"
                value={values.command}
                placeholder="npx"
                spellCheck={false}
                aria-invalid={fieldProblem('command') !== undefined}
                onChange={(event) => change({ command: event.target.value })}
              />
              <FieldProblem message={fieldProblem('command')} />
            </div>
            <label htmlFor={`${formId}-args`}>Arguments</label>
            <div>
              <textarea
                id={`${formId}-args`}
                rows={3}
                value={values.args}
                placeholder={'-y\n@modelcontextprotocol/server-github'}
                spellCheck={false}
                aria-describedby={`${formId}-args-hint`}
                onChange={(event) => change({ args: event.target.value })}
              />
              <p id={`${formId}-args-hint`} className="hint muted">
                One argument per line, exactly as written: no quotes needed, a line with spaces is
                one argument.
              </p>
            </div>
            <label htmlFor={`${formId}-cwd`}>Working folder</label>
            <div>
              <input
                id={`${formId}-cwd`}
                type="text"
                value={values.cwd}
                placeholder="optional"
                spellCheck={false}
                aria-invalid={fieldProblem('cwd') !== undefined}
                onChange={(event) => change({ cwd: event.target.value })}
              />
              <FieldProblem message={fieldProblem('cwd')} />
            </div>
            <span>Environment</span>
            <KeyValueRows
              label="Environment variable"
              rows={values.env}
              onChange={(env) => change({ env })}
            />
          </>
        ) : (
          <>
            <label htmlFor={`${formId}-url`}>URL</label>
            <div>
              <input
                id={`${formId}-url`}
                type="url"
                value={values.url}
                placeholder={
                  values.transport === 'sse' ? 'https://example.com/sse' : 'https://example.com/mcp'
                }
                spellCheck={false}
                aria-invalid={fieldProblem('url') !== undefined}
                onChange={(event) => change({ url: event.target.value })}
              />
              <FieldProblem message={fieldProblem('url')} />
            </div>
            <span>Headers</span>
            <KeyValueRows
              label="Header"
              rows={values.headers}
              onChange={(headers) => change({ headers })}
            />
          </>
        )}
      </div>

      {!editing && (
        <label className="starter">
          <input
            type="checkbox"
            checked={starter}
            onChange={(event) => setStarter(event.target.checked)}
          />{' '}
          Start with a policy that asks me before every call (when the server has none yet)
        </label>
      )}

      <div className="actions">
        <button type="button" disabled={!complete || testing} onClick={() => void runTest()}>
          {testing ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" className="allow" disabled={!complete || saving || busy}>
          {editing ? 'Save changes' : 'Add server'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        {editing && (
          <span className="hint muted">
            Saving closes the server&rsquo;s open sessions; agents reconnect to the new settings.
          </span>
        )}
      </div>
      <TestResult result={tested} testing={testing} />
      {message && (
        <p className="form-problems" role="alert">
          {shown(message)}
        </p>
      )}
    </form>
  );
}

function TestResult({ result, testing }: { result?: ConnectionTest; testing: boolean }) {
  if (testing) {
    return (
      <p className="test-result muted" role="status">
        Connecting: starting the server, initialize, tools/list…
      </p>
    );
  }
  if (!result) return null;
  return result.ok ? (
    <p className="test-result ok" role="status">
      ✓ Connected to {shown(result.serverName, NAME_MAX)}
      {result.serverVersion ? ` ${shown(result.serverVersion, NAME_MAX)}` : ''}: {result.tools} tool
      {result.tools === 1 ? '' : 's'}, in {result.elapsedMs} ms.
    </p>
  ) : (
    <p className="test-result failed" role="status">
      ✕ Could not connect ({result.elapsedMs} ms): {shown(result.error)}
    </p>
  );
}

function FieldProblem({ message }: { message: string | undefined }) {
  return message ? <p className="field-problem">{shown(message)}</p> : null;
}

function KeyValueRows({
  label,
  rows,
  onChange,
}: {
  label: string;
  rows: KeyValueRow[];
  onChange(rows: KeyValueRow[]): void;
}) {
  const set = (index: number, patch: Partial<KeyValueRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <div className="kv-rows">
      {rows.map((row, index) => (
        <div className="kv-row" key={index} role="group" aria-label={`${label} ${index + 1}`}>
          <input
            type="text"
            aria-label={`${label} name`}
            placeholder="NAME"
            value={row.key}
            disabled={row.kept}
            spellCheck={false}
            onChange={(event) => set(index, { key: event.target.value })}
          />
          {row.kept ? (
            <>
              <span className="kept-value" aria-label={`${row.key} value`}>
                •••••• saved, kept as is
              </span>
              <button type="button" onClick={() => set(index, { kept: false, value: '' })}>
                Replace
              </button>
            </>
          ) : (
            <input
              type="password"
              autoComplete="off"
              aria-label={`${label} value`}
              placeholder="value"
              value={row.value}
              onChange={(event) => set(index, { value: event.target.value })}
            />
          )}
          <button
            type="button"
            aria-label={`Remove ${label.toLowerCase()} ${row.key || index + 1}`}
            onClick={() => onChange(rows.filter((_, i) => i !== index))}
          >
            ✕
          </button>
        </div>
      ))}
      <button
        type="button"
        className="link"
        onClick={() => onChange([...rows, { key: '', value: '', kept: false }])}
      >
        + Add {label.toLowerCase()}
      </button>
      <p className="hint muted">
        Values are stored in config.json (readable by you alone) and never shown again here.
      </p>
    </div>
  );
}

/** The form field a problem points at: "/mcpServers/<id>/url" → "url", "/id" → "id". */
function problemField(path: string): string | undefined {
  const parts = path.split('/').slice(1);
  if (parts[0] === 'id') return 'id';
  if (parts[0] === 'mcpServers') return parts[2];
  if (parts[0] === 'config') return parts[1];
  return undefined;
}
