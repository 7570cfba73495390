// Pending: the calls waiting for a person, newest first, each with what it would do and why it is
// held, a live countdown, and the three answers. Keyboard: j/k or arrows choose a call, a allows,
// d denies (with the message typed, if any), t allows the tool for 15 minutes. Arguments are the
// exact ones that would run; values that look like secrets are masked until the person shows them.
import { Fragment, useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { Approval } from '../../../../shared/contract';
import type { PendingState } from './pending-store';
import type { PolicyProposal } from '../policies/policies-store';
import { expiryLabel, formatArgs, timeLeft, type ArgsPart } from './format-args';
import { ErrorBanner, ScreenHeader } from '../../components/screen-parts';
import { LABEL_NAME_MAX, NAME_MAX, shown } from '../../components/shown-text';
import { DefinitionChangeNotice } from './definition-change-notice';
import { formatTime } from '../../components/format-time';
import './pending.css';

const MINUTE_CHOICES = [5, 15, 60] as const;

export function PendingScreen({
  store,
  onProposal,
}: {
  store: StoreApi<PendingState>;
  /** Opens a proposed policy change ("Always allow") for review on the Policies screen. */
  onProposal?(proposal: PolicyProposal): void;
}) {
  const approvals = useStore(store, (s) => s.approvals);
  const loaded = useStore(store, (s) => s.loaded);
  const error = useStore(store, (s) => s.error);
  const [selected, setSelected] = useState(0);
  // Messages typed for a denial, by approval id, so the d key sends what the card shows.
  const messages = useRef(new Map<string, string>());
  const now = useNow(1000);

  useEffect(() => {
    void store.getState().load();
  }, [store]);

  const current = approvals[Math.min(selected, approvals.length - 1)];
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      if (event.key === 'j' || event.key === 'ArrowDown') {
        setSelected((i) => Math.min(i + 1, Math.max(0, approvals.length - 1)));
      } else if (event.key === 'k' || event.key === 'ArrowUp') {
        setSelected((i) => Math.max(0, i - 1));
      } else if (current && event.key === 'a') {
        void store.getState().answer(current.id, { decision: 'allow' });
      } else if (current && event.key === 't') {
        void store.getState().answer(current.id, { decision: 'allow', forMinutes: 15 });
      } else if (current && event.key === 'd') {
        void store.getState().answer(current.id, deny(messages.current.get(current.id)));
      } else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [approvals.length, current, store]);

  return (
    <section className="screen" aria-labelledby="pending-title">
      <ScreenHeader
        id="pending-title"
        title="Pending"
        count={approvals.length === 0 ? 'nothing waiting' : `${approvals.length} waiting`}
      />
      <ErrorBanner message={error} onDismiss={() => store.getState().dismissError()} />
      {loaded && approvals.length === 0 ? (
        <div className="empty">
          <p>No calls are waiting for you.</p>
          <p className="muted">
            When a policy says a tool needs approval (<code>"action": "require_approval"</code>),
            the agent&apos;s call waits here until you allow or deny it, or its time runs out.
          </p>
        </div>
      ) : (
        <>
          <p className="hint muted">
            Keys: <kbd>j</kbd>/<kbd>k</kbd> choose, <kbd>a</kbd> allow, <kbd>t</kbd> allow for 15
            min, <kbd>d</kbd> deny
          </p>
          <ol className="approvals">
            {approvals.map((approval, index) => (
              <ApprovalCard
                key={approval.id}
                approval={approval}
                now={now}
                selected={approval === current}
                onSelect={() => setSelected(index)}
                onMessage={(text) => messages.current.set(approval.id, text)}
                onAlwaysAllow={
                  onProposal &&
                  (async () => {
                    const proposal = await store.getState().proposeAlwaysAllow(approval.id);
                    if (proposal) onProposal(proposal);
                  })
                }
                store={store}
              />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function ApprovalCard({
  approval,
  now,
  selected,
  onSelect,
  onMessage,
  onAlwaysAllow,
  store,
}: {
  approval: Approval;
  now: number;
  selected: boolean;
  onSelect(): void;
  onMessage(text: string): void;
  /** Opens a policy change that allows this tool for this client from now on. */
  onAlwaysAllow?: (() => void) | undefined;
  store: StoreApi<PendingState>;
}) {
  const [message, setMessage] = useState('');
  const answering = useStore(store, (s) => s.answering.has(approval.id));
  const [unfolded, setUnfolded] = useState(false);
  // Pointers of the secret-looking values the person chose to see.
  const [revealed, setRevealed] = useState<ReadonlySet<string>>(new Set());
  const [minutes, setMinutes] = useState<number>(15);
  const args = formatArgs(approval.args, {
    fold: !unfolded,
    secrets: approval.secrets,
    revealed,
  });
  const toggle = (pointer: string) => {
    const next = new Set(revealed);
    if (!next.delete(pointer)) next.add(pointer);
    setRevealed(next);
  };
  const left = timeLeft(approval, now);
  const answer = store.getState().answer;
  const tool = shown(approval.tool, NAME_MAX);

  return (
    <li
      className={`approval${selected ? ' selected' : ''}`}
      aria-label={`${tool} from ${approval.grant}`}
      onClick={onSelect}
    >
      <div className="approval-head">
        <span className="tool">{tool}</span>
        <span className="muted">
          on <strong>{approval.server}</strong> for client <strong>{approval.grant}</strong>
        </span>
        <span
          className={`countdown${left < 15_000 ? ' urgent' : ''}`}
          title={`Time left to answer: refused at ${formatTime(approval.expiresAt)} if no one answers`}
        >
          {expiryLabel(left)}
        </span>
      </div>
      <p className="reason">
        {shown(approval.reason)} <span className="rule">{shown(approval.rule, NAME_MAX)}</span>
      </p>
      <DefinitionChangeNotice approval={approval} store={store} />
      <pre className="args" aria-label="Arguments">
        {args.parts.map((part, i) => (
          <Fragment key={i}>
            {part.kind === 'text' ? part.text : <SecretPart part={part} onToggle={toggle} />}
          </Fragment>
        ))}
      </pre>
      {(args.folded || unfolded) && (
        <button type="button" className="link" onClick={() => setUnfolded(!unfolded)}>
          {unfolded ? 'Fold long values' : 'Show long values in full'}
        </button>
      )}
      <div className="actions">
        <button
          type="button"
          className="allow"
          disabled={answering}
          onClick={() => void answer(approval.id, { decision: 'allow' })}
        >
          Allow once
        </button>
        <span className="allow-for">
          <button
            type="button"
            disabled={answering}
            onClick={() => void answer(approval.id, { decision: 'allow', forMinutes: minutes })}
          >
            Allow {shown(approval.tool, LABEL_NAME_MAX)} for
          </button>
          <select
            aria-label="Minutes"
            value={minutes}
            onChange={(event) => setMinutes(Number(event.target.value))}
          >
            {MINUTE_CHOICES.map((m) => (
              <option key={m} value={m}>
                {m} min
              </option>
            ))}
          </select>
        </span>
        {onAlwaysAllow && (
          <button
            type="button"
            className="link"
            title="Opens the policy with this tool allowed for this client, for you to review and save"
            onClick={onAlwaysAllow}
          >
            Always allow…
          </button>
        )}
        <input
          type="text"
          className="message"
          placeholder="Message to the agent (optional)"
          aria-label="Message to the agent"
          maxLength={2000}
          value={message}
          onChange={(event) => {
            setMessage(event.target.value);
            onMessage(event.target.value);
          }}
        />
        <button
          type="button"
          className="deny"
          disabled={answering}
          onClick={() => void answer(approval.id, deny(message))}
        >
          Deny
        </button>
      </div>
    </li>
  );
}

/**
 * A value that looks like a secret: masked, a labelled chip that cannot pass for the value, with
 * a Show button; shown, the exact value with a Hide button. Both name the field for screen readers.
 */
function SecretPart({
  part,
  onToggle,
}: {
  part: Extract<ArgsPart, { kind: 'secret' }>;
  onToggle(pointer: string): void;
}) {
  const button = (
    <button
      type="button"
      className="secret-toggle"
      aria-label={`${part.revealed ? 'Hide' : 'Show'} ${part.name}`}
      aria-pressed={part.revealed}
      onClick={() => onToggle(part.pointer)}
    >
      {part.revealed ? 'Hide' : 'Show'}
    </button>
  );
  if (part.revealed) {
    return (
      <span className="secret-shown">
        {part.text}
        {button}
      </span>
    );
  }
  return (
    <span className="secret-mask">
      <span className="secret-label">{part.label}</span>
      {part.text !== undefined && <span className="secret-redacted">{part.text}</span>}
      {button}
    </span>
  );
}

function deny(message: string | undefined): { decision: 'deny'; message?: string } {
  const text = message?.trim();
  return text ? { decision: 'deny', message: text } : { decision: 'deny' };
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
