// The parsed, ready-to-evaluate form of a policy file. Every rule is precomputed so that deciding
// a call is a couple of map lookups.
import type { RateLimit } from '../limits/rate-limiter';
import type { JsonProblem } from '../ports';

export type Action = 'allow' | 'deny' | 'require_approval';

export const ACTIONS: readonly Action[] = ['allow', 'deny', 'require_approval'];

/** A limit from the policy file, with its window in milliseconds and where it was written. */
export interface Limit extends RateLimit {
  /** JSON Pointer to the limit in the policy file, e.g. "/tools/provision_api_key/limits/0". */
  rule: string;
}

export type ArgsCheck = { ok: true } | { ok: false; problems: readonly JsonProblem[] };

/**
 * Checks a call's arguments against the rule's `args` schema. Never changes the arguments (no
 * defaults, coercion or removal), so what is forwarded upstream is exactly what was checked.
 * Problems carry pointers into the arguments and never quote their values (they may be secrets).
 */
export type ArgsValidator = (args: unknown) => ArgsCheck;

/** What applies to one call: the rule that decided it and everything it asks for. */
export interface EffectiveRule {
  readonly action: Action;
  readonly reason?: string;
  readonly limits: readonly Limit[];
  readonly validateArgs?: ArgsValidator;
  readonly approvalTimeoutMs?: number;
  /** JSON Pointer to what decided: "/tools/x", "/grants/alice/tools/x", "/grants/alice/default" or "/default". */
  readonly rule: string;
}

/** A tool's rule from the file; already in effective form. */
export type ToolRule = EffectiveRule;

/** The overrides for one grant (client identity). */
export interface GrantRules {
  readonly default?: Action;
  readonly tools: ReadonlyMap<string, ToolRule>;
  /** The grant's default as a rule; absent when the grant does not set one. */
  readonly defaultRule?: EffectiveRule;
}

export interface PolicyVersion {
  /** The file format version; only "1" exists. */
  readonly format: '1';
  /** sha256 (hex) of the policy text, to tie history rows and approvals to the policy in force. */
  readonly hash: string;
}

export interface Policy {
  readonly default: Action;
  readonly tools: ReadonlyMap<string, ToolRule>;
  readonly grants: ReadonlyMap<string, GrantRules>;
  readonly version: PolicyVersion;
  /** The top-level default as a rule (rule "/default"). */
  readonly defaultRule: EffectiveRule;
}
