// Decides every tools/call: the policy's rule, argument rules and rate limits, in that order,
// each decision with the rule that made it and a reason. Anything that goes wrong refuses the call.
import { formatRetryDelay, humanizeWindow } from './durations';
import type { LimitCheck, RateLimiter } from './limits/rate-limiter';
import { escapePointerToken } from './json-problems';
import { resolveRule } from './policy/resolve-rule';
import type { PolicyRegistry } from './policy/policy-registry';
import type { EffectiveRule, Limit } from './policy/types';
import type { Clock, JsonProblem } from './ports';
import { errorMessage } from '../../shared/error-message';

export interface ToolCall {
  server: string;
  grant: string;
  session: string;
  tool: string;
  /**
   * The parsed arguments. They are checked as given and never changed, so the caller must forward
   * this very object upstream (re-serialised), not the raw request bytes: raw JSON with a
   * duplicate key could otherwise be checked as one value and read upstream as another.
   */
  args: Record<string, unknown>;
}

export interface Decision {
  action: 'allow' | 'deny' | 'require_approval';
  /** JSON Pointer to the policy rule or limit that decided; "" when no policy decided. */
  rule: string;
  reason: string;
  /** For a call refused by a rate limit: how long until it would fit. */
  retryAfterMs?: number;
  /** For a call refused by a rate limit: the time (epoch ms) it would fit, retryAfterMs from the decision. */
  retryAt?: number;
  /** For a held call: the rule's approval timeout, when it sets one. */
  approvalTimeoutMs?: number;
  /** Hash of the policy in force, when there is one. */
  policyHash?: string;
}

export interface GatekeeperDeps {
  policies: PolicyRegistry;
  limiter: RateLimiter;
  clock: Clock;
}

// Refusal reasons quote at most this many argument problems; the rest are counted.
const MAX_ARG_PROBLEMS = 5;

export class Gatekeeper {
  private readonly policies: PolicyRegistry;
  private readonly limiter: RateLimiter;
  private readonly clock: Clock;

  constructor(deps: GatekeeperDeps) {
    this.policies = deps.policies;
    this.limiter = deps.limiter;
    this.clock = deps.clock;
  }

  /**
   * Decides one call. An allowed call is counted against its limits before this returns. A held
   * call (require_approval) is not: whoever runs it after a person approves counts it with
   * `RateLimiter.consume(rule.limits, { grant, session, server })`, so that a denied or timed-out
   * request costs the agent nothing. Counters belong to the server's policy: the same counter name
   * in two servers' policies is two budgets.
   *
   * With `count: false` an allowed call is only checked against its limits, not counted: for a call
   * that Airlock holds for another reason (its tool's definition changed), counted if it runs.
   */
  decide(call: ToolCall, options: { count?: boolean } = {}): Decision {
    let policyHash: string | undefined;
    try {
      const policy = this.policies.get(call.server).policy;
      if (policy === undefined) {
        return {
          action: 'deny',
          rule: '',
          reason: `no policy is loaded for server "${call.server}"; put one in policies/${call.server}.json`,
        };
      }
      policyHash = policy.version.hash;
      const rule = resolveRule(policy, call.grant, call.tool);
      if (rule.action === 'deny') {
        return {
          action: 'deny',
          rule: rule.rule,
          reason: rule.reason ?? `tool "${call.tool}" is not allowed by the policy`,
          policyHash,
        };
      }
      const infinite = nonFiniteNumberAt(call.args);
      if (infinite !== undefined) {
        return {
          action: 'deny',
          rule: '',
          reason: `the argument at ${infinite === '' ? 'the top' : infinite} is a number too large for JSON (it reads as infinity), and Airlock forwards only arguments that reach the server as they were checked`,
          policyHash,
        };
      }
      if (rule.validateArgs !== undefined) {
        const check = rule.validateArgs(call.args);
        if (!check.ok) {
          return {
            action: 'deny',
            rule: `${rule.rule}/args`,
            reason: argsReason(check.problems, rule.reason),
            policyHash,
          };
        }
      }
      const who = { grant: call.grant, session: call.session, server: call.server };
      if (rule.action === 'require_approval') {
        const limits = this.limiter.check(rule.limits, who);
        if (!limits.ok) return this.overLimit(limits, rule, policyHash);
        return {
          action: 'require_approval',
          rule: rule.rule,
          reason: rule.reason ?? `tool "${call.tool}" needs a person's approval`,
          ...approvalTimeout(rule),
          policyHash,
        };
      }
      const limits =
        options.count === false
          ? this.limiter.check(rule.limits, who)
          : this.limiter.tryConsume(rule.limits, who);
      if (!limits.ok) return this.overLimit(limits, rule, policyHash);
      return { action: 'allow', rule: rule.rule, reason: 'allowed by the policy', policyHash };
    } catch (error) {
      // Nothing fails open: a store that cannot count the call, or a bug, refuses it.
      return {
        action: 'deny',
        rule: '',
        reason: `Airlock could not decide on this call, so it was refused: ${errorMessage(error)}`,
        ...(policyHash === undefined ? {} : { policyHash }),
      };
    }
  }

  /**
   * Decides a held call that a person (or a temporary grant) let through: it runs if the policy in
   * force is still the one it was held under and no refusing limit is full (a person cannot lift a
   * hard limit), and is then counted against every limit of its rule.
   */
  decideApproved(call: ToolCall, heldUnder: string | undefined): Decision {
    try {
      const policy = this.policies.get(call.server).policy;
      if (policy === undefined || policy.version.hash !== heldUnder) {
        return {
          action: 'deny',
          rule: '',
          reason: `the policy for server "${call.server}" changed while the call was held, and the answer was given under the old one; call again to have it decided under the new policy`,
          ...(policy === undefined ? {} : { policyHash: policy.version.hash }),
        };
      }
      const policyHash = policy.version.hash;
      const rule = resolveRule(policy, call.grant, call.tool);
      const who = { grant: call.grant, session: call.session, server: call.server };
      const hard = this.limiter.check(
        rule.limits.filter((limit) => limit.onExceed === 'deny'),
        who,
      );
      if (!hard.ok) return this.overLimit(hard, rule, policyHash);
      this.limiter.consume(rule.limits, who);
      return { action: 'allow', rule: rule.rule, reason: 'allowed by a person', policyHash };
    } catch (error) {
      return {
        action: 'deny',
        rule: '',
        reason: `Airlock could not count this call, so it was refused: ${errorMessage(error)}`,
      };
    }
  }

  /** Whether the tool belongs in the grant's tools/list; no policy (or a broken one) shows nothing. */
  isToolVisible(server: string, grant: string, tool: string): boolean {
    const policy = this.policies.get(server).policy;
    return policy !== undefined && resolveRule(policy, grant, tool).action !== 'deny';
  }

  private overLimit(
    check: Extract<LimitCheck<Limit>, { ok: false }>,
    rule: EffectiveRule,
    policyHash: string,
  ): Decision {
    const { limit, retryAfterMs } = check;
    if (limit.onExceed === 'require_approval') {
      return {
        action: 'require_approval',
        rule: limit.rule,
        reason: `${describeLimit(limit)}; a person must approve calls beyond it`,
        ...approvalTimeout(rule),
        policyHash,
      };
    }
    return {
      action: 'deny',
      rule: limit.rule,
      reason: `${describeLimit(limit)}; retry in ${formatRetryDelay(retryAfterMs)}`,
      retryAfterMs,
      retryAt: this.clock.now() + retryAfterMs,
      policyHash,
    };
  }
}

/**
 * The text an agent reads in the refused CallToolResult: who refused, which tool, why, and either
 * when to retry (rate limits) or which rule to look at.
 */
export function refusalText(decision: Decision, tool: string): string {
  const head = `Airlock refused "${tool}": ${decision.reason}`;
  if (decision.retryAt !== undefined) return `${head} (after ${isoSeconds(decision.retryAt)}).`;
  if (decision.rule !== '') return `${head} (rule ${decision.rule}).`;
  return `${head}.`;
}

/** `rate limit "c" allows 30 calls per minute per grant` */
function describeLimit(limit: Limit): string {
  const calls = limit.max === 1 ? '1 call' : `${limit.max} calls`;
  const scope =
    limit.scope === 'grant'
      ? ' per grant'
      : limit.scope === 'session'
        ? ' per session'
        : ' across all grants';
  return `rate limit "${limit.counter}" allows ${calls} per ${humanizeWindow(limit.windowMs)}${scope}`;
}

function argsReason(problems: readonly JsonProblem[], ruleReason: string | undefined): string {
  const listed = problems
    .slice(0, MAX_ARG_PROBLEMS)
    .map((p) => (p.path === '' ? p.message : `${p.path} ${p.message}`));
  const more = problems.length - listed.length;
  const details = listed.join('; ') + (more > 0 ? `; and ${more} more` : '');
  const text = `arguments do not match the policy: ${details}`;
  return ruleReason === undefined ? text : `${ruleReason} (${text})`;
}

/**
 * The JSON Pointer of the first number in `value` that is not finite, if any. JSON has no such
 * numbers, but a literal too large for a double (1e309) parses as Infinity, which a rule checks as
 * a number and JSON.stringify forwards as null: the server would read another value than the one
 * decided on. Walks in document order with its own stack, so no nesting can overflow it, and
 * builds a path only for the rare call that has such a number.
 */
function nonFiniteNumberAt(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'number' && !Number.isFinite(current)) return pathTo(value, current);
    if (current === null || typeof current !== 'object') continue;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (let i = children.length - 1; i >= 0; i--) {
      const child: unknown = children[i];
      if (typeof child === 'number' || (child !== null && typeof child === 'object')) {
        stack.push(child);
      }
    }
  }
  return undefined;
}

/** The pointer of the first place in `root`, in document order, that holds `target`. */
function pathTo(root: unknown, target: number): string {
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (Object.is(current, target)) return path;
    if (current === null || typeof current !== 'object') continue;
    const entries = Object.entries(current);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      stack.push([child, `${path}/${escapePointerToken(key)}`]);
    }
  }
  return '';
}

function approvalTimeout(rule: EffectiveRule): { approvalTimeoutMs?: number } {
  return rule.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: rule.approvalTimeoutMs };
}

// Rounded up, so an agent that waits until then finds room.
function isoSeconds(epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
