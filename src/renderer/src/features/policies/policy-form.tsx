// The form view of one policy: the default action, then every tool the server reports (and every
// tool the policy names that it does not, marked) with its action and, once it has a rule, the
// rule's reason, approval timeout, rate limits and argument rule; then one client's own rules, the
// same way. Every change is written into the draft text at its JSON path (policy-text.ts), so the
// rest of the file stays as the person wrote it, and each field shows the core's problems for its
// own path. Rules that differ from the saved file are marked "changed".
import { useState } from 'react';
import type { JsonProblem, ToolInfo } from '../../../../shared/contract';
import { NAME_MAX, shown } from '../../components/shown-text';
import {
  ACTION_LABELS,
  readPolicyForm,
  removeClientRules,
  removeGrantRule,
  ruleAction,
  ruleKey,
  setAt,
  type Action,
  type GrantForm,
  type PolicyForm as Form,
  type ToolForm,
} from './policy-text';
import { ActionOptions, Field, problemsAt, type Path } from './rule-fields';
import { ToolRuleRow } from './tool-rule-row';

interface FormProps {
  text: string;
  problems: readonly JsonProblem[];
  onEdit(text: string): void;
  /** The server's tools; undefined while they are listed or when they could not be. */
  serverTools?: readonly ToolInfo[];
  toolsLoading: boolean;
  toolsError?: string;
  onRetryTools(): void;
  /** The clients there are (grant names). */
  grants: readonly string[];
  /** The client whose own rules are shown. */
  grantShown?: string;
  onShowGrant(grant: string | undefined): void;
  /** ruleKey()s of the rules that differ from the saved file. */
  changed: ReadonlySet<string>;
  /** The ruleKey() of a rule to scroll to and mark, and which click asked (each one scrolls). */
  focus?: { key: string; click: number };
}

/** What the policy does with a tool nobody wrote a rule for, when the file does not say. */
const FORMAT_DEFAULT: Action = 'deny';

export function PolicyForm(props: FormProps) {
  const { text, problems, onEdit, serverTools, grants, grantShown, changed, focus } = props;
  const form = readPolicyForm(text);
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
  const write = (next: (text: string) => string) => {
    try {
      onEdit(next(text));
    } catch {
      // The path runs through a value of the wrong type (the problems list says which); the JSON
      // view is where that is fixed, and the text stays as it is.
    }
  };
  const set = (path: Path, value: unknown) => write((t) => setAt(t, path, value));
  const problemAt = (path: Path) => problemsAt(problems, path);
  const fallback = form.default ?? FORMAT_DEFAULT;
  const offered = serverTools ? unique(serverTools.map((t) => t.name)) : [];
  const info = new Map(serverTools?.map((t) => [t.name, t]));
  const names = (rules: GrantForm) => [
    ...offered,
    ...rules.tools.map(([name]) => name).filter((name) => !info.has(name)),
  ];
  const topRules = new Map(form.tools);

  return (
    <div className="policy-form">
      <Field label="Unlisted tools" problems={problemAt(['default'])}>
        <select
          aria-label="Default action for unlisted tools"
          value={form.default ?? ''}
          onChange={(event) => set(['default'], event.target.value || undefined)}
        >
          <ActionOptions unsetLabel={`Not set: ${ACTION_LABELS[FORMAT_DEFAULT]}`} />
        </select>
      </Field>

      <h3 className="section-title">Tools</h3>
      <ToolsState {...props} />
      {names(form).map((name) => (
        <ToolRuleRow
          key={name}
          name={name}
          label={shown(name, NAME_MAX)}
          info={info.get(name)}
          rule={topRules.get(name)}
          path={['tools', name]}
          notOffered={serverTools !== undefined && !info.has(name)}
          changed={changed.has(ruleKey({ tool: name }))}
          focused={focus?.key === ruleKey({ tool: name }) ? focus.click : undefined}
          unsetLabel={`Default (${ACTION_LABELS[fallback]})`}
          unsetHint="No rule of its own: the default for unlisted tools decides."
          problemAt={problemAt}
          set={set}
          onAction={(action) => {
            if (action === undefined) set(['tools', name], undefined);
            else if (topRules.has(name)) set(['tools', name, 'action'], action);
            else set(['tools', name], { action });
          }}
        />
      ))}
      {serverTools === undefined && !props.toolsLoading && (
        <AddByName
          label="Tool to give a rule"
          known={form.tools.map(([name]) => name)}
          onAdd={(name) => set(['tools', name], { action: 'allow' })}
        />
      )}

      <ClientRules
        form={form}
        grants={grants}
        grantShown={grantShown}
        onShowGrant={props.onShowGrant}
        names={names}
        info={info}
        offeredKnown={serverTools !== undefined}
        changed={changed}
        focus={focus}
        problemAt={problemAt}
        set={set}
        write={write}
      />
    </div>
  );
}

/** Says where the tool list comes from, or why it is not there. */
function ToolsState({ serverTools, toolsLoading, toolsError, onRetryTools }: FormProps) {
  if (toolsLoading && serverTools === undefined) {
    return <p className="muted">Listing the server&apos;s tools…</p>;
  }
  if (toolsError !== undefined) {
    return (
      <div className="banner warn tools-error" role="alert">
        <span>
          {shown(toolsError)} Only the tools this policy names are listed; give another tool a rule
          by its name below.
        </span>
        <button type="button" onClick={onRetryTools}>
          Try again
        </button>
      </div>
    );
  }
  if (serverTools !== undefined && serverTools.length === 0) {
    return <p className="muted">The server reports no tools.</p>;
  }
  return (
    <p className="muted hint">
      Every tool the server reports.{' '}
      <button type="button" className="link" onClick={onRetryTools}>
        List them again
      </button>
    </p>
  );
}

function ClientRules({
  form,
  grants,
  grantShown,
  onShowGrant,
  names,
  info,
  offeredKnown,
  changed,
  focus,
  problemAt,
  set,
  write,
}: {
  form: Form;
  grants: readonly string[];
  grantShown?: string;
  onShowGrant(grant: string | undefined): void;
  names(rules: GrantForm): string[];
  info: ReadonlyMap<string, ToolInfo>;
  offeredKnown: boolean;
  changed: ReadonlySet<string>;
  focus?: FormProps['focus'];
  problemAt(path: Path): JsonProblem[];
  set(path: Path, value: unknown): void;
  write(next: (text: string) => string): void;
}) {
  const withRules = new Map(form.grants);
  const clients = unique([...grants, ...withRules.keys()]).sort((a, b) => a.localeCompare(b));
  const topRules = new Map(form.tools);
  const fallback = form.default ?? FORMAT_DEFAULT;
  const rules = grantShown === undefined ? undefined : (withRules.get(grantShown) ?? { tools: [] });
  const own = new Map(rules?.tools);

  return (
    <section className="client-rules" aria-label="Rules for one client">
      <h3 className="section-title">Rules for one client</h3>
      <p className="muted hint">
        A client&apos;s own rules come first for that client: its rule for a tool, else the rule
        above, else its own default, else the default.
      </p>
      <label className="policy-field client-picker">
        <span>Client</span>
        <select
          aria-label="Client whose rules to edit"
          value={grantShown ?? ''}
          onChange={(event) => onShowGrant(event.target.value || undefined)}
        >
          <option value="">{clients.length === 0 ? 'No clients yet' : 'Choose a client…'}</option>
          {clients.map((grant) => (
            <option key={grant} value={grant}>
              {shown(grant, NAME_MAX)}
              {withRules.has(grant) ? ' (has its own rules)' : ''}
              {grants.includes(grant) ? '' : ' (no such client)'}
            </option>
          ))}
        </select>
      </label>

      {grantShown !== undefined && rules !== undefined && (
        <>
          <Field
            label={`Unlisted tools for ${shown(grantShown, NAME_MAX)}`}
            problems={problemAt(['grants', grantShown, 'default'])}
          >
            <select
              aria-label={`Default action for ${shown(grantShown, NAME_MAX)}`}
              value={rules.default ?? ''}
              onChange={(event) => {
                const action = event.target.value;
                if (action) set(['grants', grantShown, 'default'], action);
                else write((t) => removeGrantRule(t, grantShown, undefined));
              }}
            >
              <ActionOptions unsetLabel={`Not set: ${ACTION_LABELS[fallback]}, the default`} />
            </select>
          </Field>
          {names(rules).map((name) => {
            const ref = { grant: grantShown, tool: name };
            const inherited = inheritedAction(topRules.get(name), rules.default, fallback);
            return (
              <ToolRuleRow
                key={name}
                name={name}
                label={`${shown(name, NAME_MAX)}, client ${shown(grantShown, NAME_MAX)}`}
                info={info.get(name)}
                rule={own.get(name)}
                path={['grants', grantShown, 'tools', name]}
                notOffered={offeredKnown && !info.has(name)}
                changed={changed.has(ruleKey(ref))}
                focused={focus?.key === ruleKey(ref) ? focus.click : undefined}
                unsetLabel={`Not set (${ACTION_LABELS[inherited.action]})`}
                unsetHint={`No rule of its own for this client: ${inherited.source} decides.`}
                problemAt={problemAt}
                set={set}
                onAction={(action) => {
                  if (action === undefined) write((t) => removeGrantRule(t, grantShown, name));
                  else if (own.has(name))
                    set(['grants', grantShown, 'tools', name, 'action'], action);
                  else set(['grants', grantShown, 'tools', name], { action });
                }}
              />
            );
          })}
          {!offeredKnown && (
            <AddByName
              label={`Tool to give a rule for ${shown(grantShown, NAME_MAX)}`}
              known={[...own.keys()]}
              onAdd={(name) => set(['grants', grantShown, 'tools', name], { action: 'allow' })}
            />
          )}
          {withRules.has(grantShown) && (
            <button
              type="button"
              className="link remove-client-rules"
              onClick={() => write((t) => removeClientRules(t, grantShown))}
            >
              Remove all of {shown(grantShown, NAME_MAX)}&apos;s own rules
            </button>
          )}
        </>
      )}
    </section>
  );
}

/** What decides a tool for a client without its own rule for it, in resolution order. */
function inheritedAction(
  rule: ToolForm | undefined,
  grantDefault: Action | undefined,
  fallback: Action,
): { action: Action; source: string } {
  if (rule !== undefined) return { action: ruleAction(rule), source: 'the rule for everyone' };
  if (grantDefault !== undefined) return { action: grantDefault, source: "the client's default" };
  return { action: fallback, source: 'the default' };
}

/** Names a tool the list cannot show (its server could not be asked for its tools). */
function AddByName({
  label,
  known,
  onAdd,
}: {
  label: string;
  known: readonly string[];
  onAdd(name: string): void;
}) {
  const [name, setName] = useState('');
  const add = () => {
    const tool = name.trim();
    if (!tool || known.includes(tool)) return;
    onAdd(tool);
    setName('');
  };
  return (
    <div className="add-tool">
      <input
        type="text"
        aria-label={label}
        placeholder="tool_name"
        value={name}
        onChange={(event) => setName(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') add();
        }}
      />
      <button type="button" onClick={add} disabled={!name.trim()}>
        Add a rule
      </button>
    </div>
  );
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}
