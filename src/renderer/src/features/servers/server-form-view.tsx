// The add/edit server form: the entry typed or pasted, tested, then saved; the core's problems with
// it shown next to the fields they name. Its state changes in server-form-reducer.ts.
import { useEffect, useId, useReducer } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { ConnectionTest } from '../../../../shared/contract';
import { isValidName, NAME_RULE } from '../../../../shared/model/names';
import { NAME_MAX, shown } from '../../components/shown-text';
import type { ServersState } from './servers-store';
import {
  problemField,
  requestFromForm,
  STARTER_POLICY,
  TRANSPORT_LABELS,
  type FormValues,
  type Transport,
} from './server-form';
import { initialFormState, serverFormReducer } from './server-form-reducer';
import { KeyValueRows } from './key-value-rows';

export function ServerForm({
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
  const [state, dispatch] = useReducer(serverFormReducer, editing, initialFormState);
  const { values, loading, saving, testing, tested, problems, message, starter } = state;
  const { pasteOpen, paste, pasteNote } = state;

  useEffect(() => {
    if (editId === undefined) return;
    let live = true;
    void store
      .getState()
      .draft(editId)
      .then((result) => {
        if (live) dispatch({ type: 'draft-read', result });
      });
    return () => {
      live = false;
    };
  }, [store, editId]);

  const change = (patch: Partial<FormValues>) => dispatch({ type: 'changed', patch });
  const id = values.id.trim();
  const idInvalid = id !== '' && !isValidName(id);
  const complete =
    id !== '' &&
    !idInvalid &&
    (values.transport === 'stdio' ? values.command.trim() !== '' : values.url.trim() !== '');
  const fieldProblem = (field: string) =>
    problems.find((p) => problemField(p.path) === field)?.message;

  const runTest = async () => {
    dispatch({ type: 'test-started' });
    const request = requestFromForm(values);
    const result = await store
      .getState()
      .test(
        editing
          ? { config: request.config, id: editId, keep: request.keep }
          : { config: request.config, ...(isValidName(id) ? { id } : {}) },
      );
    dispatch({ type: 'test-finished', result });
  };

  const save = async () => {
    dispatch({ type: 'save-started' });
    const request = requestFromForm(values);
    const result = editing
      ? await store.getState().update(editId, request)
      : await store.getState().add(id, request, starter ? { starterPolicy: STARTER_POLICY } : {});
    dispatch({ type: 'save-finished', result, adding: !editing });
    if (result.ok) onDone();
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
            onClick={() => dispatch({ type: 'paste-toggled' })}
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
                onChange={(event) => dispatch({ type: 'paste-typed', text: event.target.value })}
              />
              <button type="button" onClick={() => dispatch({ type: 'paste-filled' })}>
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
            onChange={(event) => dispatch({ type: 'starter-set', starter: event.target.checked })}
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
