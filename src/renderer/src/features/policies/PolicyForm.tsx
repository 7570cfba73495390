// The form view of one policy: the default action and, per tool, its action, reason, approval
// timeout, rate limits and argument rules. Every change is written into the draft text at its JSON
// path (policy-text.ts), and each field shows the core's problems for its own path.
import { useState } from 'react';
import type { JsonProblem } from '../../../../shared/contract';
import {
  ACTION_LABELS,
  ACTIONS,
  newLimit,
  readPolicyForm,
  setAt,
  type Action,
  type LimitForm,
  type ToolForm,
} from './policy-text';
import { LABEL_NAME_MAX, NAME_MAX, shown } from '../../components/shown-text';

type Path = (string | number)[];

interface FormProps {
  text: string;
  problems: readonly JsonProblem[];
  onEdit(text: string): void;
}

const SCOPES = ['grant', 'session', 'global'] as const;
const SCOPE_LABELS: Record<(typeof SCOPES)[number], string> = {
  grant: 'per client',
  session: 'per session',
  global: 'all clients together',
};

export function PolicyForm({ text, problems, onEdit }: FormProps) {
  const form = readPolicyForm(text);
  const [newTool, setNewTool] = useState('');
  if (!form) {
    return (
      <div className="policy-form">
        <p className="muted">
          The JSON has a syntax error; fix it in the JSON view (see the problems below) and the form
          comes back.
        </p>
      </div>
    );
  }
  const set = (path: Path, value: unknown) => onEdit(setAt(text, path, value));
  const problemAt = (path: Path) => problemsAt(problems, path);
  const addTool = () => {
    const name = newTool.trim();
    if (!name || form.tools.some(([tool]) => tool === name)) return;
    set(['tools', name], { action: 'allow' });
    setNewTool('');
  };

  return (
    <div className="policy-form">
      <Field label="Unlisted tools" problems={problemAt(['default'])}>
        <ActionSelect
          value={form.default}
          label="Default action for unlisted tools"
          onChange={(action) => set(['default'], action)}
        />
      </Field>

      <h3 className="section-title">Tools</h3>
      {form.tools.length === 0 && (
        <p className="muted">
          No tool has a rule yet, so every call gets the default above. Add a tool by its name.
        </p>
      )}
      {form.tools.map(([name, rule]) => (
        <ToolRule
          key={name}
          name={name}
          rule={rule}
          problemAt={problemAt}
          set={set}
          onRemove={() => set(['tools', name], undefined)}
        />
      ))}
      <div className="add-tool">
        <input
          type="text"
          aria-label="New tool name"
          placeholder="tool_name"
          value={newTool}
          onChange={(event) => setNewTool(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') addTool();
          }}
        />
        <button type="button" onClick={addTool} disabled={!newTool.trim()}>
          Add tool rule
        </button>
      </div>

      {form.grants.length > 0 && (
        <p className="muted grant-overrides">
          Clients with their own rules: {form.grants.join(', ')}. Edit those in the JSON view (under{' '}
          <code>grants</code>).
        </p>
      )}
    </div>
  );
}

function ToolRule({
  name,
  rule,
  problemAt,
  set,
  onRemove,
}: {
  name: string;
  rule: ToolForm;
  problemAt(path: Path): JsonProblem[];
  set(path: Path, value: unknown): void;
  onRemove(): void;
}) {
  const at = (...rest: Path): Path => ['tools', name, ...rest];
  // The name as shown: a held call's tool name (through "Always allow") came from its server.
  const label = shown(name, NAME_MAX);
  const action = rule.action ?? 'allow';
  const limits = rule.limits ?? [];
  return (
    <fieldset className="tool-rule" aria-label={`Rule for ${label}`}>
      <legend>
        <code>{label}</code>
      </legend>
      <div className="tool-rule-row">
        <Field label="Action" problems={problemAt(at('action'))}>
          <ActionSelect
            value={action}
            label={`Action for ${label}`}
            onChange={(next) => set(at('action'), next)}
          />
        </Field>
        <Field label="Reason (the agent sees it)" problems={problemAt(at('reason'))}>
          <input
            type="text"
            aria-label={`Reason for ${label}`}
            value={rule.reason ?? ''}
            onChange={(event) => set(at('reason'), event.target.value || undefined)}
          />
        </Field>
        {action === 'require_approval' && (
          <Field label="Approval timeout" problems={problemAt(at('approval', 'timeout'))}>
            <input
              type="text"
              aria-label={`Approval timeout for ${label}`}
              placeholder="default (Settings)"
              value={String(rule.approval?.timeout ?? '')}
              onChange={(event) =>
                set(
                  at('approval'),
                  event.target.value ? { timeout: event.target.value } : undefined,
                )
              }
            />
          </Field>
        )}
      </div>

      <div className="limits">
        {limits.map((limit, index) => (
          <LimitRow
            key={index}
            tool={label}
            limit={limit}
            index={index}
            path={at('limits', index)}
            problemAt={problemAt}
            set={set}
            onRemove={() =>
              set(
                at('limits'),
                limits.length === 1 ? undefined : limits.filter((_, i) => i !== index),
              )
            }
          />
        ))}
        <button
          type="button"
          className="link"
          onClick={() => set(at('limits', limits.length), newLimit(`${name}_rate`))}
        >
          Add rate limit
        </button>
      </div>

      <ArgsRules
        tool={label}
        value={rule.args}
        problems={problemAt(at('args'))}
        onChange={(schema) => set(at('args'), schema)}
      />
      <button type="button" className="link remove-tool" onClick={onRemove}>
        Remove the rule for {shown(name, LABEL_NAME_MAX)}
      </button>
    </fieldset>
  );
}

function LimitRow({
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
function ArgsRules({
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
  const shown = value === undefined ? '' : JSON.stringify(value, null, 2);
  // What the person typed, kept while it is not yet valid JSON.
  const [typed, setTyped] = useState<string | undefined>(undefined);
  const current = typed ?? shown;
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

function ActionSelect({
  value,
  label,
  onChange,
}: {
  value: Action | undefined;
  label: string;
  onChange(action: Action): void;
}) {
  return (
    <select
      aria-label={label}
      value={value ?? ''}
      onChange={(event) => onChange(event.target.value as Action)}
    >
      {value === undefined && <option value="">(not set)</option>}
      {ACTIONS.map((action) => (
        <option key={action} value={action}>
          {ACTION_LABELS[action]}
        </option>
      ))}
    </select>
  );
}

function Field({
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
function problemsAt(problems: readonly JsonProblem[], path: Path): JsonProblem[] {
  const pointer =
    '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  return problems.filter((p) => p.path === pointer || p.path.startsWith(pointer + '/'));
}

/** "30" becomes 30, so a number typed in a text box is written as a JSON number. */
function numberOrText(value: string): string | number | undefined {
  if (value.trim() === '') return undefined;
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
}
