// The form's view of a policy's text: reads what the form shows and writes each form change back
// as an edit at one JSON path, so the rest of the text (formatting, key order, grant overrides,
// anything the form does not show) stays exactly as the person wrote it in the JSON view.
import { applyEdits, modify, parse, type ParseError } from 'jsonc-parser';

export type Action = 'allow' | 'deny' | 'require_approval';

export const ACTIONS: readonly Action[] = ['allow', 'deny', 'require_approval'];

export const ACTION_LABELS: Record<Action, string> = {
  allow: 'Allow',
  deny: 'Deny',
  require_approval: 'Needs approval',
};

export interface LimitForm {
  counter?: string;
  window?: string | number;
  max?: number;
  scope?: string;
  on_exceed?: string;
}

export interface ToolForm {
  action?: Action;
  reason?: string;
  limits?: LimitForm[];
  args?: unknown;
  approval?: { timeout?: string | number };
}

export interface PolicyForm {
  default?: Action;
  tools: [name: string, rule: ToolForm][];
  /** Grants with overrides; the form lists them and leaves editing them to the JSON view. */
  grants: string[];
}

/**
 * What the form shows, or undefined while the text is not a JSON object (the form then asks for
 * the JSON to be fixed first rather than guess). Values of the wrong type are shown as unset.
 */
export function readPolicyForm(text: string): PolicyForm | undefined {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: false });
  if (errors.length > 0 || !isObject(value)) return undefined;
  const tools = isObject(value.tools) ? value.tools : {};
  const grants = isObject(value.grants) ? value.grants : {};
  return {
    ...(isAction(value.default) ? { default: value.default } : {}),
    tools: Object.entries(tools).map(([name, rule]) => [name, toolForm(rule)]),
    grants: Object.keys(grants),
  };
}

/** The text with `value` at `path`; undefined removes the key. */
export function setAt(text: string, path: (string | number)[], value: unknown): string {
  const edits = modify(text, path, value, {
    formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' },
  });
  return applyEdits(text, edits);
}

/** A limit as a new row starts: one call a minute per client. */
export function newLimit(counter: string): Required<Omit<LimitForm, 'on_exceed'>> {
  return { counter, window: 'minute', max: 1, scope: 'grant' };
}

function toolForm(rule: unknown): ToolForm {
  if (!isObject(rule)) return {};
  const approval = isObject(rule.approval) ? rule.approval : undefined;
  return {
    ...(isAction(rule.action) ? { action: rule.action } : {}),
    ...(typeof rule.reason === 'string' ? { reason: rule.reason } : {}),
    ...(Array.isArray(rule.limits)
      ? { limits: rule.limits.map((l) => (isObject(l) ? (l as LimitForm) : {})) }
      : {}),
    ...(rule.args === undefined ? {} : { args: rule.args }),
    ...(approval && (typeof approval.timeout === 'string' || typeof approval.timeout === 'number')
      ? { approval: { timeout: approval.timeout } }
      : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isAction(value: unknown): value is Action {
  return typeof value === 'string' && (ACTIONS as readonly string[]).includes(value);
}
