// Policies: one server's policy at a time, as a form and as JSON side by side, both editing the
// same draft. The core checks the draft as it changes and every problem points at its line and
// path. Saving goes through a dry run first: the server's recent calls replayed against the draft,
// listing each call whose decision would change.
import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { DryRunChange, PolicyInfo } from '../../../../shared/contract';
import { ErrorBanner, ScreenHeader } from '../../components/screen-parts';
import { isDirty, type PoliciesState } from '../../stores/policies-store';
import { JsonEditor, type JsonEditorHandle } from './JsonEditor';
import { PolicyForm } from './PolicyForm';
import { ACTION_LABELS } from './policy-text';
import './policies.css';
import { NAME_MAX, shown } from '../../components/shown-text';
import { formatTime } from '../../components/format-time';

const DRY_RUN_SIZES = [100, 500, 2000] as const;

export function PoliciesScreen({ store }: { store: StoreApi<PoliciesState> }) {
  const state = useStore(store);
  const editor = useRef<JsonEditorHandle>(null);
  const [replaySize, setReplaySize] = useState<number>(500);
  const { policies, loaded, server, text, problems, checking, dryRun } = state;

  useEffect(() => {
    void store.getState().load();
  }, [store]);

  const dirty = isDirty(state);
  const dryRunFresh = dryRun !== undefined && dryRun.text === text;
  const canSave = dirty && !checking && problems.length === 0 && !state.saving;
  const blocker = !dirty
    ? 'No unsaved changes.'
    : checking
      ? 'Checking…'
      : problems.length > 0
        ? `Fix ${problems.length} problem${problems.length === 1 ? '' : 's'} to save.`
        : dryRunFresh
          ? 'Dry run done: save to put this policy in force.'
          : 'Saving first replays recent calls against the draft.';

  return (
    <section className="screen policies" aria-labelledby="policies-title">
      <ScreenHeader
        id="policies-title"
        title="Policies"
        count={
          policies.length === 0
            ? 'no servers'
            : `${policies.length} server${policies.length === 1 ? '' : 's'}`
        }
      />
      <ErrorBanner message={state.error} onDismiss={() => store.getState().dismissError()} />
      {loaded && policies.length === 0 ? (
        <div className="empty">
          <p>No servers, so no policies yet.</p>
          <p className="muted">
            Add an upstream server on the Servers screen. Each server has its own policy, edited
            here: which tools agents may call, with what limits, and which need your approval.
          </p>
        </div>
      ) : (
        <>
          <nav className="policy-picker" aria-label="Server">
            {policies.map((policy) => (
              <button
                key={policy.server}
                type="button"
                className="tab"
                aria-current={policy.server === server ? 'page' : undefined}
                onClick={() => void store.getState().open(policy.server)}
              >
                {policy.server} <PolicyStatus policy={policy} />
              </button>
            ))}
          </nav>

          {state.proposalNote && (
            <div className="banner info" role="status">
              <span>{state.proposalNote}</span>
              <button type="button" onClick={() => void store.getState().revert()}>
                Drop proposal
              </button>
            </div>
          )}
          {state.changedOnDisk && (
            <div className="banner warn" role="alert">
              <span>The file changed on disk since you opened it. Your edits are not saved.</span>
              <button type="button" onClick={() => void store.getState().revert()}>
                Reload the file (drops your edits)
              </button>
            </div>
          )}
          {state.notice && (
            <p className="saved" role="status">
              {state.notice}
            </p>
          )}

          {server !== undefined && (
            <>
              <p className="muted policy-file">
                {policies.find((p) => p.server === server)?.file}
                {state.savedText === undefined && ' (no file yet: saving creates it)'}
                {dirty && state.savedText !== undefined && ' · unsaved changes'}
              </p>
              <div className="policy-panes">
                <div className="pane">
                  <h3 className="section-title">Form</h3>
                  <PolicyForm
                    text={text}
                    problems={problems}
                    onEdit={(next) => store.getState().edit(next)}
                  />
                </div>
                <div className="pane">
                  <h3 className="section-title">JSON</h3>
                  <JsonEditor
                    ref={editor}
                    label={`Policy JSON for ${server}`}
                    value={text}
                    problems={problems}
                    onChange={(next) => store.getState().edit(next)}
                  />
                </div>
              </div>

              {problems.length > 0 && (
                <div className="policy-problems" role="alert">
                  <h3 className="section-title">
                    {problems.length} problem{problems.length === 1 ? '' : 's'}
                  </h3>
                  <ul aria-label="Problems">
                    {problems.map((problem, index) => (
                      <li key={index}>
                        <button
                          type="button"
                          className="link"
                          onClick={() => editor.current?.reveal(problem)}
                        >
                          {problem.line !== undefined
                            ? `Line ${problem.line}, column ${problem.column ?? 1}`
                            : 'Whole file'}
                        </button>{' '}
                        <code>{shown(problem.path, NAME_MAX) || '/'}</code> {shown(problem.message)}
                      </li>
                    ))}
                  </ul>
                </div>
              )}

              <div className="policy-actions">
                <label className="replay-size">
                  Replay the last
                  <select
                    aria-label="Calls to replay"
                    value={replaySize}
                    onChange={(event) => setReplaySize(Number(event.target.value))}
                  >
                    {DRY_RUN_SIZES.map((size) => (
                      <option key={size} value={size}>
                        {size}
                      </option>
                    ))}
                  </select>
                  calls
                </label>
                <button
                  type="button"
                  disabled={state.dryRunning || checking || problems.length > 0}
                  onClick={() => void store.getState().runDryRun(replaySize)}
                >
                  {state.dryRunning ? 'Replaying…' : 'Dry run'}
                </button>
                <button
                  type="button"
                  className="allow"
                  disabled={!canSave || state.dryRunning}
                  onClick={() =>
                    void (dryRunFresh
                      ? store.getState().save()
                      : store.getState().runDryRun(replaySize))
                  }
                >
                  {dryRunFresh ? 'Save policy' : 'Review and save'}
                </button>
                <button
                  type="button"
                  disabled={!dirty || state.savedText === undefined}
                  onClick={() => void store.getState().revert()}
                >
                  Discard changes
                </button>
                <span className="muted" aria-live="polite">
                  {blocker}
                </span>
              </div>

              {dryRun && <DryRunReport report={dryRun} stale={!dryRunFresh} />}
            </>
          )}
        </>
      )}
    </section>
  );
}

function PolicyStatus({ policy }: { policy: PolicyInfo }) {
  if (policy.errors.length > 0) {
    return <span className="policy-state bad">{policy.errors.length} problems</span>;
  }
  if (policy.hash === undefined) return <span className="policy-state bad">no policy</span>;
  return <span className="policy-state ok">in force</span>;
}

function DryRunReport({
  report,
  stale,
}: {
  report: { replayed: number; changes: DryRunChange[] };
  stale: boolean;
}) {
  const { replayed, changes } = report;
  return (
    <section className="dry-run" aria-label="Dry run">
      <h3 className="section-title">Dry run{stale ? ' (before your latest edit)' : ''}</h3>
      <p>
        {replayed === 0
          ? 'No calls to this server are recorded yet, so there is nothing to replay.'
          : `${replayed} recent call${replayed === 1 ? '' : 's'} replayed: ${
              changes.length === 0
                ? 'no decision would change.'
                : `${changes.length} decision${changes.length === 1 ? '' : 's'} would change.`
            }`}
      </p>
      {changes.length > 0 && (
        <table className="dry-run-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Client</th>
              <th>Tool</th>
              <th>Was</th>
              <th>Would be</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {changes.map(({ call, before, after }) => (
              <tr key={call.id}>
                <td>{formatTime(call.receivedAt)}</td>
                <td>{call.grant}</td>
                <td>
                  <code>{shown(call.tool, NAME_MAX)}</code>
                </td>
                <td>
                  <span className={`verdict ${before.action}`}>{ACTION_LABELS[before.action]}</span>
                </td>
                <td>
                  <span className={`verdict ${after.action}`}>{ACTION_LABELS[after.action]}</span>
                </td>
                <td>
                  {shown(after.reason)} <span className="rule">{shown(after.rule, NAME_MAX)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted hint">
        Calls are replayed oldest first with fresh rate-limit counters. Recorded arguments have
        secrets redacted, so a rule about a secret value sees the redacted text.
      </p>
    </section>
  );
}
