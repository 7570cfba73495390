// Reads a policy file's text into a Policy, or into every problem it has, each with its JSON
// Pointer, line and column. Nothing the format does not know is ignored.
import { createHash } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { DAY_MS, parseDuration } from '../durations';
import {
  ajvProblems,
  compileDocumentSchema,
  locateProblems,
  parseJsonDocument,
  pointer,
} from '../json-problems';
import type { RawProblem } from '../json-problems';
import type { LimitScope, OnExceed } from '../limits/rate-limiter';
import type { Parsed } from '../ports';
import { ArgsSchemaCompiler } from './args-schema';
import { POLICY_JSON_SCHEMA } from './policy-schema';
import { ACTIONS } from './types';
import type {
  Action,
  ArgsValidator,
  EffectiveRule,
  GrantRules,
  Limit,
  Policy,
  ToolRule,
} from './types';
import { asObject, entries } from '../json-values';

/** Longest `approval.timeout`: a held call longer than a day has long lost its agent. */
export const MAX_APPROVAL_TIMEOUT_MS = DAY_MS;

let validatePolicyShape: ValidateFunction | undefined;

export function parsePolicy(text: string): Parsed<Policy> {
  const parsed = parseJsonDocument(text);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const { doc } = parsed;
  validatePolicyShape ??= compileDocumentSchema(POLICY_JSON_SCHEMA);
  const problems: RawProblem[] = [...doc.duplicateKeys];
  if (!validatePolicyShape(doc.value)) problems.push(...ajvProblems(validatePolicyShape.errors));
  // The schema checks shapes; durations and argument schemas need code. Both run on every file
  // so that one pass reports every problem, which is why the builder reads the value defensively.
  const builder = new PolicyBuilder(problems);
  const policy = builder.build(doc.value, createHash('sha256').update(text).digest('hex'));
  if (problems.length > 0) return { ok: false, errors: locateProblems(doc, problems) };
  return { ok: true, value: policy };
}

class PolicyBuilder {
  private readonly args = new ArgsSchemaCompiler();
  private readonly retentions = new Map<string, { ms: number }>();

  constructor(private readonly problems: RawProblem[]) {}

  build(value: unknown, hash: string): Policy {
    const root = asObject(value) ?? {};
    const defaultAction = asAction(root['default']) ?? 'deny';
    const grants = new Map<string, GrantRules>();
    for (const [name, grantValue] of entries(root['grants'])) {
      const grant = asObject(grantValue);
      if (grant === undefined) continue;
      const grantDefault = asAction(grant['default']);
      grants.set(
        name,
        Object.freeze({
          tools: this.tools(grant['tools'], pointer('grants', name, 'tools')),
          ...(grantDefault === undefined
            ? {}
            : {
                default: grantDefault,
                defaultRule: defaultRule(grantDefault, pointer('grants', name, 'default')),
              }),
        }),
      );
    }
    return Object.freeze({
      default: defaultAction,
      tools: this.tools(root['tools'], '/tools'),
      grants,
      version: Object.freeze({ format: '1' as const, hash }),
      defaultRule: defaultRule(defaultAction, '/default'),
    });
  }

  private tools(value: unknown, path: string): Map<string, ToolRule> {
    const rules = new Map<string, ToolRule>();
    for (const [tool, ruleValue] of entries(value)) {
      const rule = asObject(ruleValue);
      if (rule !== undefined) rules.set(tool, this.rule(rule, `${path}${pointer(tool)}`));
    }
    return rules;
  }

  private rule(rule: Record<string, unknown>, path: string): ToolRule {
    const limits: Limit[] = [];
    const limitValues = rule['limits'];
    if (Array.isArray(limitValues)) {
      limitValues.forEach((limitValue, index) => {
        const limit = this.limit(limitValue, `${path}/limits/${index}`);
        if (limit !== undefined) limits.push(limit);
      });
    }
    let validateArgs: ArgsValidator | undefined;
    const argsSchema = asObject(rule['args']);
    if (argsSchema !== undefined) {
      const compiled = this.args.compile(argsSchema, `${path}/args`);
      if (compiled.ok) validateArgs = compiled.validate;
      else this.problems.push(...compiled.problems);
    }
    let approvalTimeoutMs: number | undefined;
    const approval = asObject(rule['approval']);
    if (approval !== undefined && isDurationValue(approval['timeout'])) {
      approvalTimeoutMs = this.duration(approval['timeout'], `${path}/approval/timeout`, {
        maxMs: MAX_APPROVAL_TIMEOUT_MS,
      });
    }
    const reason = rule['reason'];
    return Object.freeze({
      // A listed tool without an action is allowed, subject to its limits and argument rules.
      action: asAction(rule['action']) ?? 'allow',
      ...(typeof reason === 'string' && reason.trim() !== '' ? { reason } : {}),
      limits: Object.freeze(limits),
      ...(validateArgs === undefined ? {} : { validateArgs }),
      ...(approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs }),
      rule: path,
    });
  }

  private limit(value: unknown, path: string): Limit | undefined {
    const limit = asObject(value);
    if (limit === undefined) return undefined;
    const windowMs = isDurationValue(limit['window'])
      ? this.duration(limit['window'], `${path}/window`)
      : undefined;
    const { counter, max, scope, on_exceed: onExceed } = limit;
    if (windowMs === undefined || typeof counter !== 'string' || typeof max !== 'number') {
      return undefined;
    }
    // Every limit naming this counter shares one retention, the longest of their windows.
    let retention = this.retentions.get(counter);
    if (retention === undefined) {
      retention = { ms: 0 };
      this.retentions.set(counter, retention);
    }
    retention.ms = Math.max(retention.ms, windowMs);
    return Object.freeze({
      counter,
      windowMs,
      max,
      retention,
      scope: (scope ?? 'grant') as LimitScope,
      onExceed: (onExceed ?? 'deny') as OnExceed,
      rule: path,
    });
  }

  private duration(value: unknown, path: string, options?: { maxMs: number }): number | undefined {
    const result = parseDuration(value, options);
    if (result.ok) return result.ms;
    this.problems.push({ path, message: result.message });
    return undefined;
  }
}

function defaultRule(action: Action, rule: string): EffectiveRule {
  return Object.freeze({ action, limits: Object.freeze([]), rule });
}

function asAction(value: unknown): Action | undefined {
  return ACTIONS.includes(value as Action) ? (value as Action) : undefined;
}

// Wrong types are the schema's to report; only strings and numbers are parsed as durations.
function isDurationValue(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number';
}
