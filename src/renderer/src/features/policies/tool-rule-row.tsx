// One tool in the form, for everyone or for one client: its action (or none, so the default or the
// rule for everyone applies) and, once it has a rule of its own, the rule's reason, approval
// timeout, rate limits and argument rule. Every change goes through `set` at its JSON path.
import { useEffect, useRef } from 'react';
import type { JsonProblem, ToolInfo } from '../../../../shared/contract';
import { NAME_MAX, shown } from '../../components/shown-text';
import { ActionOptions, ArgsRules, Field, LimitRow, type Path } from './rule-fields';
import { newLimit, ruleAction, type Action, type ToolForm } from './policy-text';

/** How much of a tool's description a row shows; the Servers screen shows it whole. */
const DESCRIPTION_MAX = 300;

export function ToolRuleRow({
  name,
  label,
  info,
  rule,
  path,
  notOffered,
  changed,
  focused,
  unsetLabel,
  unsetHint,
  problemAt,
  set,
  onAction,
}: {
  name: string;
  /** The tool as the row's labels name it (with the client, in a client's rules). */
  label: string;
  /** The tool as the server describes it; absent when the server does not offer it. */
  info?: ToolInfo;
  /** The tool's own rule here; absent when it has none. */
  rule?: ToolForm;
  /** Where the rule is (or would be) in the file. */
  path: Path;
  /** The server's tools are known and this is not one of them. */
  notOffered: boolean;
  /** The rule differs from the file as saved. */
  changed: boolean;
  /** Scrolled to and marked: the click (a count) on a "Try it" decision's rule that named it. */
  focused?: number;
  /** The action select's choice for "no rule of its own", e.g. "Default (Deny)". */
  unsetLabel: string;
  /** Said under a tool without a rule: what decides its calls. */
  unsetHint: string;
  problemAt(path: Path): JsonProblem[];
  set(path: Path, value: unknown): void;
  /** undefined takes the tool's rule away, so the default (or the rule for everyone) applies. */
  onAction(action: Action | undefined): void;
}) {
  const box = useRef<HTMLFieldSetElement>(null);
  useEffect(() => {
    if (focused !== undefined) box.current?.scrollIntoView?.({ block: 'center' });
  }, [focused]);
  const at = (...rest: Path): Path => [...path, ...rest];
  const action = rule === undefined ? undefined : ruleAction(rule);
  const limits = rule?.limits ?? [];
  const classes = ['tool-rule', rule === undefined ? 'unset' : 'listed'];
  if (changed) classes.push('changed');
  if (focused !== undefined) classes.push('focused');

  return (
    <fieldset ref={box} className={classes.join(' ')} aria-label={`Rule for ${label}`}>
      <legend>
        <code>{shown(name, NAME_MAX)}</code>
        {info?.title && <span className="muted tool-title"> {shown(info.title, NAME_MAX)}</span>}
        {notOffered && <span className="tag warn">not offered by the server</span>}
        {changed && <span className="tag changed">changed</span>}
      </legend>
      {info?.description && (
        <p className="tool-description muted">{shown(info.description, DESCRIPTION_MAX)}</p>
      )}
      <div className="tool-rule-row">
        <Field label="Action" problems={problemAt(at('action'))}>
          <select
            aria-label={`Action for ${label}`}
            value={action ?? ''}
            onChange={(event) => onAction((event.target.value || undefined) as Action | undefined)}
          >
            <ActionOptions unsetLabel={unsetLabel} />
          </select>
        </Field>
        {rule === undefined ? (
          <p className="muted hint unset-hint">{unsetHint}</p>
        ) : (
          <>
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
          </>
        )}
      </div>

      {rule !== undefined && (
        <>
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
        </>
      )}
    </fieldset>
  );
}
