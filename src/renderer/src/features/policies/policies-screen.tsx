// Policies: one server's policy at a time, as a form (every tool the server reports, and one
// client's own rules) and as JSON side by side, both editing the same draft. The core checks the
// draft as it changes and every problem points at its line and path. "Try it" decides a call under
// the draft. Saving goes through a review: the change as a diff, then a dry run of the server's
// recent calls against the draft; the save bar stays in view at the bottom of the window.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { PolicyInfo } from '../../../../shared/contract';
import { ErrorBanner, ScreenHeader } from '../../components/screen-parts';
import { NAME_MAX, shown } from '../../components/shown-text';
import { isDirty, type PoliciesState } from './policies-store';
import { JsonEditor, type JsonEditorHandle } from './json-editor';
import { PolicyForm } from './policy-form';
import { changedRules, locatePointer, readPolicyForm, ruleKey, ruleOfPointer } from './policy-text';
import { ReviewPanel } from './review-panel';
import { TryIt } from './try-it';
import './policies.css';

export function PoliciesScreen({ store }: { store: StoreApi<PoliciesState> }) {
  const state = useStore(store);
  const editor = useRef<JsonEditorHandle>(null);
  const problemList = useRef<HTMLDivElement>(null);
  const [replaySize, setReplaySize] = useState<number>(500);
  // A review opened from the save bar scrolls up to itself; one a proposal opens is already there.
  const [reviewFromBar, setReviewFromBar] = useState(false);
  // The rule a "Try it" decision pointed at, marked in the form; the count tells clicks apart.
  const [focus, setFocus] = useState<{ key: string; click: number } | undefined>(undefined);
  const { policies, loaded, server, text, savedText, problems, checking, dryRun } = state;

  useEffect(() => {
    void store.getState().load();
  }, [store]);

  const changed = useMemo(() => changedRules(savedText, text), [savedText, text]);
  const dirty = isDirty(state);
  const dryRunFresh = dryRun !== undefined && dryRun.text === text;
  const reviewed = state.reviewing && dryRunFresh;
  const canSave = dirty && !checking && problems.length === 0 && !state.saving;
  const blocker = !dirty
    ? 'No unsaved changes.'
    : checking
      ? 'Checking…'
      : problems.length > 0
        ? `Fix ${problems.length} problem${problems.length === 1 ? '' : 's'} to save.`
        : reviewed
          ? 'Reviewed: save to put this policy in force.'
          : 'Saving first shows the change and replays recent calls against it.';
  const info = policies.find((p) => p.server === server);
  const serverTools = state.tools?.server === server ? state.tools?.tools : undefined;
  const form = readPolicyForm(text);
  const tryTools = [
    ...new Set([
      ...(serverTools?.map((t) => t.name) ?? []),
      ...(form?.tools.map(([name]) => name) ?? []),
      ...(form?.grants.flatMap(([, rules]) => rules.tools.map(([name]) => name)) ?? []),
    ]),
  ];

  const review = () => {
    setReviewFromBar(true);
    void store.getState().review(replaySize);
  };
  const jump = (rule: string) => {
    const ref = ruleOfPointer(rule);
    if (ref?.grant !== undefined) store.getState().showGrant(ref.grant);
    if (ref?.tool !== undefined || ref?.grant !== undefined) {
      setFocus({ key: ruleKey(ref), click: (focus?.click ?? 0) + 1 });
    }
    const at = locatePointer(text, rule);
    if (at) editor.current?.reveal({ path: rule, message: '', ...at }, false);
  };

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
              <span>{state.proposalNote} The change is shown below and marked in the form.</span>
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
                {info?.file}
                {savedText === undefined && ' (no file yet: saving creates it)'}
                {dirty && savedText !== undefined && ' · unsaved changes'}
              </p>

              {state.reviewing && (
                <ReviewPanel
                  key={server}
                  file={info?.file ?? `${server}.json`}
                  before={savedText}
                  after={text}
                  dryRun={dryRun}
                  dryRunStale={!dryRunFresh}
                  dryRunning={state.dryRunning}
                  replaySize={replaySize}
                  onReplaySize={setReplaySize}
                  onReplay={() => void store.getState().runDryRun(replaySize)}
                  onClose={() => {
                    setReviewFromBar(false);
                    store.getState().closeReview();
                  }}
                  scrollOnOpen={reviewFromBar}
                />
              )}

              <div className="policy-panes">
                <div className="pane">
                  <h3 className="section-title">Form</h3>
                  <PolicyForm
                    text={text}
                    problems={problems}
                    onEdit={(next) => store.getState().edit(next)}
                    serverTools={serverTools}
                    toolsLoading={state.toolsLoading}
                    toolsError={state.toolsError}
                    onRetryTools={() => void store.getState().loadTools(true)}
                    grants={state.grants}
                    grantShown={state.grantShown}
                    onShowGrant={(grant) => store.getState().showGrant(grant)}
                    changed={changed}
                    focus={focus}
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
                  <TryIt
                    key={server}
                    tools={tryTools}
                    serverTools={serverTools}
                    grants={state.grants}
                    trial={state.trial}
                    stale={state.trial !== undefined && state.trial.text !== text}
                    trying={state.trying}
                    disabled={checking || problems.length > 0}
                    onTry={(input) => void store.getState().tryCall(input)}
                    onJump={jump}
                  />
                </div>
              </div>

              {problems.length > 0 && (
                <div className="policy-problems" role="alert" ref={problemList}>
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

              <div className="save-bar" role="region" aria-label="Save">
                {problems.length > 0 && (
                  <button
                    type="button"
                    className="link problem-count"
                    onClick={() => problemList.current?.scrollIntoView?.({ block: 'center' })}
                  >
                    {problems.length} problem{problems.length === 1 ? '' : 's'}
                  </button>
                )}
                <span className="muted save-status" aria-live="polite">
                  {blocker}
                </span>
                <button
                  type="button"
                  disabled={!dirty || savedText === undefined || state.saving}
                  onClick={() => void store.getState().revert()}
                >
                  Discard changes
                </button>
                {reviewed ? (
                  <button
                    type="button"
                    className="allow"
                    disabled={!canSave || state.dryRunning}
                    onClick={() => void store.getState().save()}
                  >
                    {state.saving ? 'Saving…' : 'Save policy'}
                  </button>
                ) : (
                  <button
                    type="button"
                    className="allow"
                    disabled={!canSave || state.dryRunning}
                    onClick={review}
                  >
                    {state.dryRunning ? 'Replaying…' : 'Review and save'}
                  </button>
                )}
              </div>
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
