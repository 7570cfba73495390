// The form's view of a policy's text: reads what the form shows and writes each form change back
// as an edit at one JSON path, so the rest of the text (formatting, key order, grant overrides,
// anything the form does not show) stays exactly as the person wrote it in the JSON view.
import {
  applyEdits,
  findNodeAtLocation,
  modify,
  parse,
  parseTree,
  type ParseError,
} from 'jsonc-parser';

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

/** One client's overrides: its own default and its own tool rules. */
export interface GrantForm {
  default?: Action;
  tools: [name: string, rule: ToolForm][];
}

export interface PolicyForm {
  default?: Action;
  tools: [name: string, rule: ToolForm][];
  /** Grants with overrides, in file order. */
  grants: [name: string, rules: GrantForm][];
}

/**
 * What the form shows, or undefined while the text is not a JSON object (the form then asks for
 * the JSON to be fixed first rather than guess). Values of the wrong type are shown as unset.
 */
export function readPolicyForm(text: string): PolicyForm | undefined {
  const value = parseObject(text);
  if (!value) return undefined;
  const grants = isObject(value.grants) ? value.grants : {};
  return {
    ...rulesForm(value),
    grants: Object.entries(grants).map(([name, rules]) => [name, rulesForm(rules)]),
  };
}

/** What `action` a listed rule has: a listed tool without one is allowed. */
export function ruleAction(rule: ToolForm): Action {
  return rule.action ?? 'allow';
}

/** Where a rule lives: the policy's own (no grant) or one client's, for one tool or its default. */
export interface RuleRef {
  grant?: string;
  /** Absent for the default. */
  tool?: string;
}

/** A rule's key, for sets of changed rules; tool and grant names may hold any character. */
export function ruleKey(ref: RuleRef): string {
  return JSON.stringify([ref.grant ?? null, ref.tool ?? null]);
}

/**
 * The rules whose value differs between two texts (a default, a tool rule, at the top or for one
 * client), as ruleKey()s; nothing while either text is not a JSON object. Without `before` (no
 * file yet) every rule of `after` counts as changed.
 */
export function changedRules(before: string | undefined, after: string): Set<string> {
  const changed = new Set<string>();
  const next = parseObject(after);
  const previous = before === undefined ? {} : parseObject(before);
  if (!next || !previous) return changed;
  const compare = (ref: RuleRef, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) changed.add(ruleKey(ref));
  };
  const compareRules = (grant: string | undefined, a: unknown, b: unknown) => {
    const from = isObject(a) ? a : {};
    const to = isObject(b) ? b : {};
    compare({ ...(grant === undefined ? {} : { grant }) }, from.default, to.default);
    const fromTools = isObject(from.tools) ? from.tools : {};
    const toTools = isObject(to.tools) ? to.tools : {};
    for (const tool of new Set([...Object.keys(fromTools), ...Object.keys(toTools)])) {
      compare({ ...(grant === undefined ? {} : { grant }), tool }, fromTools[tool], toTools[tool]);
    }
  };
  compareRules(undefined, previous, next);
  const fromGrants = isObject(previous.grants) ? previous.grants : {};
  const toGrants = isObject(next.grants) ? next.grants : {};
  for (const grant of new Set([...Object.keys(fromGrants), ...Object.keys(toGrants)])) {
    compareRules(grant, fromGrants[grant], toGrants[grant]);
  }
  return changed;
}

/** The grants whose rules changed (for the form to show the client a proposal is about). */
export function changedGrants(changed: ReadonlySet<string>): string[] {
  const grants = new Set<string>();
  for (const key of changed) {
    const [grant] = JSON.parse(key) as [string | null, string | null];
    if (grant !== null) grants.add(grant);
  }
  return [...grants];
}

/** The JSON path of a rule: ["tools", x], ["grants", g, "tools", x], ["default"], ... */
function rulePath(ref: RuleRef): string[] {
  const base = ref.grant === undefined ? [] : ['grants', ref.grant];
  return ref.tool === undefined ? [...base, 'default'] : [...base, 'tools', ref.tool];
}

/**
 * The rule a decision's JSON Pointer names ("/tools/x/args", "/grants/g/default",
 * "/tools/x/limits/0"), or undefined for one that names none ("" when no rule decided).
 */
export function ruleOfPointer(pointer: string): RuleRef | undefined {
  if (!pointer.startsWith('/')) return undefined;
  const parts = pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const [first, second, third, fourth] = parts;
  if (first === 'default') return {};
  if (first === 'tools' && second !== undefined) return { tool: second };
  if (first === 'grants' && second !== undefined) {
    if (third === 'default') return { grant: second };
    if (third === 'tools' && fourth !== undefined) return { grant: second, tool: fourth };
  }
  return undefined;
}

/** The 1-based line and column of a JSON Pointer's value in the text, if it is there. */
export function locatePointer(
  text: string,
  pointer: string,
): { line: number; column: number } | undefined {
  const root = parseTree(text);
  if (!root || !pointer.startsWith('/')) return undefined;
  const path = pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const node = findNodeAtLocation(root, path);
  // A property's value node; its key starts the line a reader looks for.
  const at = node?.parent?.type === 'property' ? node.parent.offset : node?.offset;
  if (at === undefined) return undefined;
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** The text with `value` at `path`; undefined removes the key. */
export function setAt(text: string, path: (string | number)[], value: unknown): string {
  const edits = modify(text, path, value, {
    formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' },
  });
  return applyEdits(text, edits);
}

/**
 * The text without one client's rule (its default or a tool's rule). The client's entry the form
 * made for it goes too once nothing is left in it, and `grants` once no client has rules, so
 * giving a rule back leaves the file as it was.
 */
export function removeGrantRule(text: string, grant: string, tool: string | undefined): string {
  let next = setAt(text, rulePath({ grant, ...(tool === undefined ? {} : { tool }) }), undefined);
  const value = parseObject(next);
  const grants = value && isObject(value.grants) ? value.grants : undefined;
  const rules = grants && isObject(grants[grant]) ? grants[grant] : undefined;
  if (!grants || !rules) return next;
  if (isObject(rules.tools) && Object.keys(rules.tools).length === 0) {
    next = setAt(next, ['grants', grant, 'tools'], undefined);
    delete rules.tools;
  }
  if (Object.keys(rules).length === 0) {
    next = setAt(next, ['grants', grant], undefined);
    if (Object.keys(grants).length === 1) next = setAt(next, ['grants'], undefined);
  }
  return next;
}

/** The text without any of one client's rules, and without `grants` once no client has any. */
export function removeClientRules(text: string, grant: string): string {
  const next = setAt(text, ['grants', grant], undefined);
  const value = parseObject(next);
  const grants = value && isObject(value.grants) ? value.grants : undefined;
  return grants && Object.keys(grants).length === 0 ? setAt(next, ['grants'], undefined) : next;
}

/** A limit as a new row starts: one call a minute per client. */
export function newLimit(counter: string): Required<Omit<LimitForm, 'on_exceed'>> {
  return { counter, window: 'minute', max: 1, scope: 'grant' };
}

function rulesForm(rules: unknown): GrantForm {
  const value = isObject(rules) ? rules : {};
  const tools = isObject(value.tools) ? value.tools : {};
  return {
    ...(isAction(value.default) ? { default: value.default } : {}),
    tools: Object.entries(tools).map(([name, rule]) => [name, toolForm(rule)]),
  };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: false });
  return errors.length === 0 && isObject(value) ? value : undefined;
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
