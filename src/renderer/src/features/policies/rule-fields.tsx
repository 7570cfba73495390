// The fields of one rule in the form: a labelled field with the core's problems under it, a rate
// limit's row, and the argument rule's JSON Schema box. Each writes through `set` at its JSON path.
import { useState } from 'react';
import type { JsonProblem } from '../../../../shared/contract';
import { ACTION_LABELS, ACTIONS, type LimitForm } from './policy-text';

export type Path = (string | number)[];

const SCOPES = ['grant', 'session', 'global'] as const;
const SCOPE_LABELS: Record<(typeof SCOPES)[number], string> = {
  grant: 'per client',
  session: 'per session',
  global: 'all clients together',
};

export function LimitRow({
  tool,
  limit,
  index,
  path,
  problemAt,
  set,
  onRemove,
}: {
  tool: string;
  limit: LimitForm;
  index: number;
  path: Path;
  problemAt(path: Path): JsonProblem[];
  set(path: Path, value: unknown): void;
  onRemove(): void;
}) {
  const label = `limit ${index + 1} of ${tool}`;
  const rowProblems = problemAt(path);
  return (
    <div className="limit-row" role="group" aria-label={`Rate ${label}`}>
      <span className="muted">At most</span>
      <input
        type="text"
        inputMode="numeric"
        className="narrow"
        aria-label={`Maximum calls, ${label}`}
        aria-invalid={problemAt([...path, 'max']).length > 0}
        value={limit.max ?? ''}
        onChange={(event) => set([...path, 'max'], numberOrText(event.target.value))}
      />
      <span className="muted">calls per</span>
      <input
        type="text"
        className="narrow"
        aria-label={`Window, ${label}`}
        title="second, minute, hour, day, a number of seconds, or a duration like 90s"
        aria-invalid={problemAt([...path, 'window']).length > 0}
        value={limit.window ?? ''}
        onChange={(event) => set([...path, 'window'], numberOrText(event.target.value))}
      />
      <select
        aria-label={`Scope, ${label}`}
        value={limit.scope ?? 'grant'}
        onChange={(event) => set([...path, 'scope'], event.target.value)}
      >
        {SCOPES.map((scope) => (
          <option key={scope} value={scope}>
            {SCOPE_LABELS[scope]}
          </option>
        ))}
      </select>
      <span className="muted">counter</span>
      <input
        type="text"
        aria-label={`Counter, ${label}`}
        title="Limits that name the same counter share one budget"
        value={limit.counter ?? ''}
        onChange={(event) => set([...path, 'counter'], event.target.value)}
      />
      <select
        aria-label={`Beyond the limit, ${label}`}
        value={limit.on_exceed ?? 'deny'}
        onChange={(event) =>
          set(
            [...path, 'on_exceed'],
            event.target.value === 'deny' ? undefined : event.target.value,
          )
        }
      >
        <option value="deny">then refuse</option>
        <option value="require_approval">then ask me</option>
      </select>
      <button type="button" className="link" onClick={onRemove}>
        Remove
      </button>
      <ProblemList problems={rowProblems} named />
    </div>
  );
}

/** The argument rules as JSON Schema text; written into the draft only once it parses. */
export function ArgsRules({
  tool,
  value,
  problems,
  onChange,
}: {
  tool: string;
  value: unknown;
  problems: JsonProblem[];
  onChange(schema: unknown): void;
}) {
  const written = value === undefined ? '' : JSON.stringify(value, null, 2);
  // What the person typed, kept while it is not yet valid JSON.
  const [typed, setTyped] = useState<string | undefined>(undefined);
  const current = typed ?? written;
  let syntax: string | undefined;
  if (typed !== undefined && typed.trim() !== '') {
    try {
      JSON.parse(typed);
    } catch (error) {
      syntax = (error as Error).message;
    }
  }
  return (
    <details className="args-rules" open={value !== undefined || typed !== undefined}>
      <summary>Argument rules (JSON Schema)</summary>
      <textarea
        aria-label={`Argument rules for ${tool}`}
        spellCheck={false}
        rows={Math.min(12, Math.max(3, current.split('\n').length))}
        placeholder={'{ "type": "object", "properties": { ... } }'}
        value={current}
        aria-invalid={syntax !== undefined || problems.length > 0}
        onChange={(event) => {
          const next = event.target.value;
          setTyped(next);
          if (next.trim() === '') return onChange(undefined);
          try {
            onChange(JSON.parse(next));
          } catch {
            // Not JSON yet: keep it here until it is.
          }
        }}
        onBlur={() => {
          if (syntax === undefined) setTyped(undefined);
        }}
      />
      {syntax !== undefined && <p className="field-problem">Not valid JSON yet: {syntax}</p>}
      <ProblemList problems={problems} />
    </details>
  );
}

/** An action drop-down's choices: `unsetLabel` for no rule of its own, then each action. */
export function ActionOptions({ unsetLabel }: { unsetLabel: string }) {
  return (
    <>
      <option value="">{unsetLabel}</option>
      {ACTIONS.map((action) => (
        <option key={action} value={action}>
          {ACTION_LABELS[action]}
        </option>
      ))}
    </>
  );
}

export function Field({
  label,
  problems,
  children,
}: {
  label: string;
  problems: JsonProblem[];
  children: React.ReactNode;
}) {
  return (
    <label className={`policy-field${problems.length > 0 ? ' has-problem' : ''}`}>
      <span>{label}</span>
      {children}
      <ProblemList problems={problems} />
    </label>
  );
}

/** Problems under a field; `named` prefixes each with the key it is about (for a row of fields). */
function ProblemList({
  problems,
  named = false,
}: {
  problems: readonly JsonProblem[];
  named?: boolean;
}) {
  if (problems.length === 0) return null;
  return (
    <>
      {problems.map((problem, index) => (
        <span key={index} className="field-problem" role="note">
          {named ? `${problem.path.split('/').pop()}: ${problem.message}` : problem.message}
        </span>
      ))}
    </>
  );
}

/** The problems at `path` and below it (an argument rule's problems are deep in the schema). */
export function problemsAt(problems: readonly JsonProblem[], path: Path): JsonProblem[] {
  const pointer =
    '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  return problems.filter((p) => p.path === pointer || p.path.startsWith(pointer + '/'));
}

/** "30" becomes 30, so a number typed in a text box is written as a JSON number. */
function numberOrText(value: string): string | number | undefined {
  if (value.trim() === '') return undefined;
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
}
