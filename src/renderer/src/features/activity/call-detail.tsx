// One call in full: how it was decided (what the policy said, the decision, who made it, by which
// rule and why, under which policy), its times, and its recorded arguments, result and error.
// Everything recorded is redacted already and is shown as text, never as markup.
import { useEffect, useRef } from 'react';
import type { CallRecord } from '../../../../shared/contract';
import type { CallDetail } from './activity-store';
import { NAME_MAX, shown } from '../../components/shown-text';
import { formatFullTime } from '../../components/format-time';
import {
  actionLabel,
  deciderWord,
  decisionWord,
  formatDuration,
  prettyJson,
  statusLabel,
} from './format-call';

/** The history keeps 16 KB of an error, and a little more to say it was cut. */
const ERROR_MAX = 17_000;

export function CallDetailPane({
  detail,
  onClose,
  onOpenPending,
}: {
  detail: CallDetail;
  onClose(): void;
  /** Opens Pending, where a held call is answered. */
  onOpenPending?(): void;
}) {
  const { call, error } = detail;
  // The pane opens below the table, often below the fold: bring it into view when a call is
  // opened and again when its content has arrived ('nearest' leaves a pane in view where it is).
  const pane = useRef<HTMLElement>(null);
  const loaded = call !== undefined || error !== undefined;
  useEffect(() => {
    pane.current?.scrollIntoView?.({ block: 'nearest' });
  }, [detail.id, loaded]);
  return (
    <section className="call-detail" aria-label="Call detail" ref={pane}>
      <header className="call-detail-head">
        <h3>
          {call ? (
            <>
              <span className="tool">{shown(call.tool, NAME_MAX)}</span> on{' '}
              <strong>{call.server}</strong> from <strong>{call.grant}</strong>
            </>
          ) : (
            `Call ${detail.id}`
          )}
        </h3>
        <span className="muted hint">
          <kbd>Esc</kbd> closes
        </span>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      {error ? (
        <p className="detail-error" role="alert">
          {error}
        </p>
      ) : call ? (
        <CallBody call={call} onOpenPending={onOpenPending} />
      ) : (
        <p className="muted">Loading…</p>
      )}
    </section>
  );
}

function CallBody({ call, onOpenPending }: { call: CallRecord; onOpenPending?(): void }) {
  return (
    <>
      {call.decision === 'pending' && onOpenPending && (
        <p className="held-note" role="note">
          This call is waiting for a person.{' '}
          <button type="button" onClick={onOpenPending}>
            Answer it on Pending
          </button>
        </p>
      )}
      <h4>Decision path</h4>
      <ol className="decision-path" aria-label="Decision path">
        <li>
          <span className="step">Policy said</span>
          <strong>{actionLabel(call.action)}</strong>
        </li>
        <li>
          <span className="step">Decision</span>
          <span className={`decision ${call.decision}`}>{decisionWord(call.decision)}</span>
        </li>
        <li>
          <span className="step">Decided by</span>
          <strong>
            {call.decision === 'pending' ? 'waiting for a person' : deciderWord(call.decidedBy)}
          </strong>
        </li>
      </ol>
      <dl className="detail-fields">
        <dt>Rule</dt>
        <dd>
          {call.rule ? (
            <code className="rule">{shown(call.rule, NAME_MAX)}</code>
          ) : (
            <span className="muted">none: no policy rule decided</span>
          )}
        </dd>
        <dt>Reason</dt>
        <dd>{call.reason ? shown(call.reason) : <span className="muted">none given</span>}</dd>
        <dt>Policy</dt>
        <dd>
          {call.policyHash ? (
            <code className="rule" title={call.policyHash}>
              {call.policyHash.slice(0, 16)}
            </code>
          ) : (
            <span className="muted">no policy was in force</span>
          )}
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`status ${call.status}`}>{statusLabel(call.status)}</span>
        </dd>
        <dt>Received</dt>
        <dd>{formatFullTime(call.receivedAt)}</dd>
        <dt>Decided</dt>
        <dd>
          {call.decidedAt === undefined ? (
            <span className="muted">not yet</span>
          ) : (
            <>
              {formatFullTime(call.decidedAt)}{' '}
              <span className="muted">
                after {formatDuration(call.decidedAt - call.receivedAt)}
              </span>
            </>
          )}
        </dd>
        <dt>Finished</dt>
        <dd>
          {call.finishedAt === undefined ? (
            <span className="muted">not yet</span>
          ) : (
            <>
              {formatFullTime(call.finishedAt)}{' '}
              <span className="muted">
                {call.status === 'not_run'
                  ? ''
                  : `ran ${formatDuration(call.finishedAt - (call.decidedAt ?? call.receivedAt))}, `}
                {formatDuration(call.finishedAt - call.receivedAt)} in all
              </span>
            </>
          )}
        </dd>
        <dt>Session</dt>
        <dd>
          <code className="rule">{shown(call.session, NAME_MAX)}</code>
        </dd>
      </dl>

      <h4>Arguments</h4>
      <pre className="args" aria-label="Arguments">
        {prettyJson(call.args)}
      </pre>

      <h4>Result</h4>
      {call.result !== undefined ? (
        <>
          {call.resultTruncated && (
            <p className="truncated" role="note">
              Truncated: the history keeps only the beginning of a long result.
            </p>
          )}
          <pre className="args" aria-label="Result">
            {prettyJson(call.result)}
          </pre>
        </>
      ) : (
        <p className="muted">{noResult(call)}</p>
      )}

      {call.error && (
        <>
          <h4>Error</h4>
          <pre className="args error-text" aria-label="Error">
            {shown(call.error, ERROR_MAX)}
          </pre>
        </>
      )}
      <p className="hint muted">
        Secrets (tokens, keys, passwords) are redacted before a call is recorded; the agent got the
        real result.
      </p>
    </>
  );
}

function noResult(call: CallRecord): string {
  switch (call.status) {
    case 'running':
      return 'The server has not answered yet.';
    case 'not_run':
      return call.decision === 'pending'
        ? 'The call is held for a person; it has not run.'
        : 'The call was refused, so it never ran.';
    case 'failed':
      return 'The server gave no result.';
    default:
      return 'No result was recorded.';
  }
}
