// "Try it": one call (a tool, a client, arguments) decided by the draft policy in the core, as the
// gatekeeper would decide it, without running it. Shows the decision, the reason the agent would
// read and the rule that made it, which jumps to that rule in the form and the JSON.
import { useState } from 'react';
import type { ToolInfo } from '../../../../shared/contract';
import { NAME_MAX, shown } from '../../components/shown-text';
import type { Trial, TrialInput } from './policies-store';
import { ACTION_LABELS } from './policy-text';

export function TryIt({
  tools,
  serverTools,
  grants,
  trial,
  stale,
  trying,
  disabled,
  onTry,
  onJump,
}: {
  /** Every tool the form lists, in its order. */
  tools: readonly string[];
  serverTools?: readonly ToolInfo[];
  grants: readonly string[];
  trial?: Trial;
  /** The draft changed since the decision shown. */
  stale: boolean;
  trying: boolean;
  /** The draft has problems, so it decides nothing yet. */
  disabled: boolean;
  onTry(input: TrialInput): void;
  onJump(rule: string): void;
}) {
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const [grant, setGrant] = useState('');
  const [argsText, setArgsText] = useState('{}');
  const tool = picked ?? tools[0] ?? '';
  const params = serverTools?.find((t) => t.name === tool)?.params ?? [];
  const args = parseArgs(argsText);

  return (
    <section className="try-it" aria-label="Try it">
      <h3 className="section-title">Try it</h3>
      <p className="muted hint">
        Decides a call under this draft as Airlock would once it is saved. Nothing is sent to the
        server, and rate limits start from zero.
      </p>
      <div className="try-it-fields">
        <label className="policy-field">
          <span>Tool</span>
          {tools.length > 0 ? (
            <select
              aria-label="Tool to try"
              value={tool}
              onChange={(event) => setPicked(event.target.value)}
            >
              {tools.map((name) => (
                <option key={name} value={name}>
                  {shown(name, NAME_MAX)}
                </option>
              ))}
            </select>
          ) : (
            <input
              type="text"
              aria-label="Tool to try"
              placeholder="tool_name"
              value={tool}
              onChange={(event) => setPicked(event.target.value)}
            />
          )}
        </label>
        <label className="policy-field">
          <span>As client</span>
          <select
            aria-label="Client to try as"
            value={grant}
            onChange={(event) => setGrant(event.target.value)}
          >
            <option value="">Any client without rules of its own</option>
            {grants.map((name) => (
              <option key={name} value={name}>
                {shown(name, NAME_MAX)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="policy-field">
        <span>Arguments (JSON)</span>
        <textarea
          aria-label="Arguments to try"
          spellCheck={false}
          rows={Math.min(8, Math.max(2, argsText.split('\n').length))}
          value={argsText}
          aria-invalid={!args.ok}
          onChange={(event) => setArgsText(event.target.value)}
        />
      </label>
      {params.length > 0 && (
        <p className="muted hint">
          {shown(tool, NAME_MAX)} takes{' '}
          {params
            .map((p) => `${p.name}${p.type ? ` (${p.type})` : ''}${p.required ? ', required' : ''}`)
            .join('; ')}
          .
        </p>
      )}
      {!args.ok && <p className="field-problem">{args.problem}</p>}
      <button
        type="button"
        disabled={!args.ok || tool.trim() === '' || trying || disabled}
        onClick={() => {
          if (args.ok) onTry({ tool, args: args.value, ...(grant ? { grant } : {}) });
        }}
      >
        {trying ? 'Deciding…' : 'Try it'}
      </button>
      {disabled && <span className="muted hint"> Fix the draft&apos;s problems first.</span>}

      {trial && (
        <div className="try-it-result" role="status" aria-label="Decision">
          <p>
            <code>{shown(trial.input.tool, NAME_MAX)}</code>
            {trial.input.grant ? ` from ${shown(trial.input.grant, NAME_MAX)}` : ''}:{' '}
            <span className={`verdict ${trial.decision.action}`}>
              {ACTION_LABELS[trial.decision.action]}
            </span>
            {stale && <span className="muted"> (before your latest edit)</span>}
          </p>
          <p>{shown(trial.decision.reason)}</p>
          {trial.decision.rule !== '' && (
            <p className="muted">
              Rule{' '}
              <button
                type="button"
                className="link rule"
                title="Show this rule in the form and the JSON"
                onClick={() => onJump(trial.decision.rule)}
              >
                {shown(trial.decision.rule, NAME_MAX)}
              </button>
            </p>
          )}
        </div>
      )}
    </section>
  );
}

type ParsedArgs = { ok: true; value: Record<string, unknown> } | { ok: false; problem: string };

/** The arguments box's text as a call's arguments: a JSON object. */
function parseArgs(text: string): ParsedArgs {
  if (text.trim() === '') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `Not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      problem: 'Arguments are a JSON object, such as {"email": "a@example.com"}.',
    };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
