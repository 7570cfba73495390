// The review before a save: the change as a line diff of the file as saved against the draft, then
// the dry run (the server's recent calls replayed against the draft, each call whose decision
// would change). "Always allow…" from Pending opens here too, so the person sees what it changes.
import { useEffect, useMemo, useRef } from 'react';
import type { DryRunChange } from '../../../../shared/contract';
import { NAME_MAX, shown } from '../../components/shown-text';
import { formatTime } from '../../components/format-time';
import { diffHunks, diffLines } from './line-diff';
import { ACTION_LABELS } from './policy-text';

const DRY_RUN_SIZES = [100, 500, 2000] as const;

export function ReviewPanel({
  file,
  before,
  after,
  dryRun,
  dryRunStale,
  dryRunning,
  replaySize,
  onReplaySize,
  onReplay,
  onClose,
  scrollOnOpen,
}: {
  file: string;
  /** The file as saved; undefined when there is none yet. */
  before?: string;
  after: string;
  dryRun?: { replayed: number; changes: DryRunChange[] };
  dryRunStale: boolean;
  dryRunning: boolean;
  replaySize: number;
  onReplaySize(size: number): void;
  onReplay(): void;
  onClose(): void;
  /** Brought into view when it opens (from the save bar, far below it). */
  scrollOnOpen: boolean;
}) {
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    if (scrollOnOpen) panel.current?.scrollIntoView?.({ block: 'start' });
    // Only when it opens.
  }, []);
  return (
    <section className="review" aria-label="Review" ref={panel}>
      <div className="review-head">
        <h3 className="section-title">Review the change before saving</h3>
        <button type="button" className="link" onClick={onClose}>
          Close review
        </button>
      </div>
      <DiffView file={file} before={before} after={after} />
      <section className="dry-run" aria-label="Dry run">
        <h4>
          Dry run
          {dryRunning ? ' (replaying…)' : dryRunStale && dryRun ? ' (before your latest edit)' : ''}
        </h4>
        {dryRun && <DryRunReport report={dryRun} />}
        <div className="replay">
          <label className="replay-size">
            Replay the last
            <select
              aria-label="Calls to replay"
              value={replaySize}
              onChange={(event) => onReplaySize(Number(event.target.value))}
            >
              {DRY_RUN_SIZES.map((size) => (
                <option key={size} value={size}>
                  {size}
                </option>
              ))}
            </select>
            calls
          </label>
          <button type="button" disabled={dryRunning} onClick={onReplay}>
            {dryRunning ? 'Replaying…' : 'Replay again'}
          </button>
        </div>
        <p className="muted hint">
          Calls are replayed oldest first with fresh rate-limit counters. Recorded arguments have
          secrets redacted, so a rule about a secret value sees the redacted text.
        </p>
      </section>
    </section>
  );
}

function DiffView({ file, before, after }: { file: string; before?: string; after: string }) {
  const lines = useMemo(() => diffLines(before ?? '', after), [before, after]);
  const hunks = useMemo(() => diffHunks(lines), [lines]);
  const added = lines.filter((l) => l.kind === 'added').length;
  const removed = lines.filter((l) => l.kind === 'removed').length;
  return (
    <section className="diff" aria-label="Changes">
      <h4>
        Changes to <code>{shown(file, NAME_MAX)}</code>
        {before === undefined ? ' (a new file)' : ''}
      </h4>
      {added + removed === 0 ? (
        <p className="muted">No changes: the draft is the file as saved.</p>
      ) : (
        <>
          <p className="muted">
            {added} line{added === 1 ? '' : 's'} added, {removed} removed.
          </p>
          <table className="diff-lines" aria-label="Changed lines">
            <tbody>
              {hunks.map((line, index) =>
                line.kind === 'gap' ? (
                  <tr key={index} className="gap">
                    <td colSpan={3}>
                      {line.lines} unchanged line{line.lines === 1 ? '' : 's'}
                    </td>
                  </tr>
                ) : (
                  <tr key={index} className={line.kind}>
                    <td className="line-no">{line.kind === 'added' ? '' : line.before}</td>
                    <td className="line-no">{line.kind === 'removed' ? '' : line.after}</td>
                    <td className="line-text">
                      <span className="sign" aria-label={SIGN_LABELS[line.kind]}>
                        {SIGNS[line.kind]}
                      </span>
                      {shown(line.text, LINE_MAX)}
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** A line longer than this is cut in the diff (the JSON view has it whole). */
const LINE_MAX = 2000;
const SIGNS = { same: ' ', added: '+', removed: '-' } as const;
const SIGN_LABELS = { same: 'unchanged', added: 'added', removed: 'removed' } as const;

function DryRunReport({ report }: { report: { replayed: number; changes: DryRunChange[] } }) {
  const { replayed, changes } = report;
  return (
    <>
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
    </>
  );
}
