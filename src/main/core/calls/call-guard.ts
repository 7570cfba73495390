// Takes each tools/call from arrival to its recorded end: decides it (policy, temporary grants, the
// tool's pinned definition), records it in the history before anything runs, holds it for a person
// when the policy says so or the tool's definition changed, and records what came back. The proxy
// asks admit() and forwards only what it is told to run.
import type { ApprovalOutcome } from '../../../shared/contract';
import type { ApprovalQueue } from '../approvals/approval-queue';
import type { TemporaryGrants } from '../approvals/temporary-grants';
import type { EventBus } from '../api/event-bus';
import type { Decision, Gatekeeper, ToolCall } from '../gatekeeper';
import type { CallRecord, CallUpdate, DecidedBy, HistoryStore, NewCall } from '../history/types';
import type { Clock, Logger } from '../ports';
import { redactedExcerpt, redactedTextExcerpt } from '../redaction/excerpt';
import type { Redactor } from '../redaction/redactor';
import { keyedCanonicalHash } from './canonical-json';
import { PAUSED_REASON } from './pause-switch';
import { deniedText, heldRefusal, policyRefusal, timeoutText, type Refusal } from './refusals';
import { errorMessage } from '../../../shared/error-message';
import type { SeenDefinition } from '../tools/tool-definition';
import type { DefinitionChange } from '../../../shared/model/tools';
import type { ToolPins } from '../tools/tool-pins';

/** What the proxy does with a call now. */
export type Admission =
  | { kind: 'run'; callId: number }
  | { kind: 'refuse'; result: Refusal }
  | { kind: 'hold'; callId: number; approvalId: string };

/** What the proxy does with a held call once it is settled (a withdrawn call is refused too). */
export type HeldVerdict = { kind: 'run'; callId: number } | { kind: 'refuse'; result: Refusal };

/** How a call that ran ended: the server's JSON-RPC response, or a failure Airlock saw. */
export type CallEnd =
  { response: { result?: unknown; error?: { message?: unknown } } } | { failure: string };

export interface CallGuardDeps {
  gatekeeper: Pick<Gatekeeper, 'decide' | 'decideApproved'>;
  history: HistoryStore;
  approvals: ApprovalQueue;
  temporaryGrants: TemporaryGrants;
  redactor: Redactor;
  events: EventBus;
  clock: Clock;
  logger: Logger;
  /** The settings' approval timeout, for rules that set none. Read per call. */
  approvalTimeoutMs: () => number;
  /** True while Airlock is paused (see PauseSwitch): every call is refused. */
  paused?: () => boolean;
  /**
   * The per-install key that argument hashes are made with (HMAC-SHA256), so that a history row's
   * hash cannot be turned back into a short secret by hashing every candidate.
   */
  argsHashKey: Uint8Array;
  /**
   * The pinned tool definitions. With them, every call comes with the definition its session saw,
   * and one that differs from the pin is held for a person (or refused, per the setting below)
   * even if the policy allows it; a call the policy refuses stays refused.
   */
  pins?: Pick<ToolPins, 'review'>;
  /** settings.changedToolDefinitions, read per call: "hold" (the default) or "refuse". */
  changedDefinitions?: () => 'hold' | 'refuse';
}

/** History keeps this much of a call's arguments and result text. */
export const HISTORY_TEXT_LIMIT = 16 * 1024;

export class CallGuard {
  /** Rows not final yet, so each change can be pushed to UIs as a whole row. */
  private readonly open = new Map<number, CallRecord>();

  constructor(private readonly deps: CallGuardDeps) {}

  /**
   * Decides a call and records it. `onHeld` is called once, later, for a call that is held.
   * `seen` is every definition of the tool the call's session met (needed with pins).
   * Nothing runs unrecorded: a history that cannot be written refuses the call.
   */
  admit(
    call: ToolCall,
    onHeld: (verdict: HeldVerdict) => void,
    seen: readonly SeenDefinition[] = [],
  ): Admission {
    const { history, clock } = this.deps;
    const receivedAt = clock.now();
    // Checked before deciding, so a call refused for this has not used up any limit.
    const problem = history.writeProblem();
    if (problem !== undefined) return this.unrecordable(call, problem);
    if (this.deps.paused?.()) return this.refusePaused(call, receivedAt);
    let change: DefinitionChange | undefined;
    if (this.deps.pins !== undefined) {
      // Every definition the session met must be the accepted one: a server that showed the agent
      // one and Airlock another gets the call held for the one that differs.
      if (
        seen.length === 0 ||
        seen.some((definition) => definition.definition.name !== call.tool)
      ) {
        return this.unrecordable(call, `Airlock has no definition of "${call.tool}" to check`);
      }
      for (const definition of seen) {
        const review = this.deps.pins.review(call.server, definition);
        if (review.kind === 'unrecorded') return this.unrecordable(call, review.problem);
        if (review.kind === 'changed') change ??= review.change;
      }
    }
    // A held call is counted against its limits only if it runs (decideApproved).
    let decision = this.deps.gatekeeper.decide(call, change ? { count: false } : {});
    let decidedBy: DecidedBy = 'policy';
    if (change !== undefined) {
      // Only what the policy would let through is held or refused for the change; a refusal stays.
      if (decision.action !== 'deny')
        ({ decision, decidedBy } = this.changed(call, decision, change));
    } else if (decision.action === 'require_approval') {
      const temporary = this.deps.temporaryGrants.find(call.grant, call.server, call.tool);
      if (temporary !== undefined) {
        const approved = this.deps.gatekeeper.decideApproved(call, decision.policyHash);
        decision =
          approved.action === 'allow'
            ? {
                ...approved,
                reason: `allowed by a temporary grant until ${new Date(temporary.expiresAt).toISOString()}`,
              }
            : approved;
        decidedBy = approved.action === 'allow' ? 'temporary_grant' : 'policy';
      }
    }
    const row = this.newRow(call, decision, decidedBy, receivedAt);
    let callId: number;
    try {
      callId = history.insert(row);
    } catch (error) {
      return this.unrecordable(call, errorMessage(error));
    }
    this.recorded(callId, row);

    if (decision.action === 'allow') return { kind: 'run', callId };
    if (decision.action === 'deny') {
      this.deps.logger.info(`refused ${call.server}/${call.tool} for ${call.grant}`, {
        rule: row.rule,
        reason: row.reason,
      });
      if (decidedBy === 'airlock') {
        const text = `Airlock refused "${call.tool}": ${decision.reason}.`;
        return { kind: 'refuse', result: heldRefusal(text, 'airlock', decision) };
      }
      return { kind: 'refuse', result: policyRefusal(decision, call.tool) };
    }
    return this.hold(call, decision, callId, row, onHeld, change);
  }

  /**
   * A call the policy lets through (or holds) whose tool's definition is not the accepted one:
   * held for a person, who sees what changed, or refused under changedToolDefinitions "refuse".
   */
  private changed(
    call: ToolCall,
    decision: Decision,
    change: DefinitionChange,
  ): { decision: Decision; decidedBy: DecidedBy } {
    const fields = change.fields.map((field) => field.field).join(', ');
    const what = `the definition of "${call.tool}" changed since it was accepted (${fields})`;
    const policyHash = decision.policyHash === undefined ? {} : { policyHash: decision.policyHash };
    if (this.deps.changedDefinitions?.() === 'refuse') {
      return {
        decidedBy: 'airlock',
        decision: {
          action: 'deny',
          rule: '',
          reason: `${what}, and Airlock refuses calls to changed tools until a person accepts the new definition on its Servers screen`,
          ...policyHash,
        },
      };
    }
    const policy =
      decision.action === 'require_approval' ? decision.reason : 'the policy alone would allow it';
    return {
      decidedBy: 'policy',
      decision: {
        ...decision,
        action: 'require_approval',
        reason: `${what}: a person must allow this call or accept the new definition (${policy})`,
      },
    };
  }

  /** Recorded like any refusal, decided by the pause, so the history shows what was stopped. */
  private refusePaused(call: ToolCall, receivedAt: number): Admission {
    const decision: Decision = { action: 'deny', rule: '', reason: PAUSED_REASON };
    const row = this.newRow(call, decision, 'pause', receivedAt);
    try {
      this.recorded(this.deps.history.insert(row), row);
    } catch (error) {
      return this.unrecordable(call, errorMessage(error));
    }
    return {
      kind: 'refuse',
      result: heldRefusal(`Airlock refused "${call.tool}": ${PAUSED_REASON}.`, 'pause', decision),
    };
  }

  private unrecordable(call: ToolCall, problem: string): Admission {
    const detail = this.deps.redactor.text(problem);
    const reason = `Airlock could not record the call in its history (${detail}), and it runs nothing unrecorded; it will work again once the history can be written`;
    this.deps.logger.error('history cannot be written; call refused', {
      server: call.server,
      tool: call.tool,
      error: detail,
    });
    return {
      kind: 'refuse',
      result: heldRefusal(`Airlock refused "${call.tool}": ${reason}.`, 'airlock', {
        rule: '',
        reason,
      }),
    };
  }

  /** The client cancelled a held call or went away; returns false if it was no longer held. */
  withdraw(approvalId: string, by: 'cancel' | 'disconnect'): boolean {
    return this.deps.approvals.withdraw(approvalId, by);
  }

  /** Records how a call that ran ended. The agent already has its answer; this never throws. */
  finished(callId: number, end: CallEnd): void {
    try {
      const update: CallUpdate = { status: 'ok', finishedAt: this.deps.clock.now() };
      if ('failure' in end) {
        update.status = 'failed';
        update.error = this.errorText(end.failure);
      } else if (end.response.error !== undefined) {
        update.status = 'failed';
        update.error = this.errorText(String(end.response.error.message ?? 'error'));
      } else {
        const result = end.response.result as { isError?: unknown } | undefined;
        if (result?.isError === true) update.status = 'tool_error';
        const excerpt = redactedExcerpt(this.deps.redactor, result ?? null, HISTORY_TEXT_LIMIT);
        update.result = excerpt.text;
        if (excerpt.truncated) update.resultTruncated = true;
      }
      this.update(callId, update, true);
    } catch (error) {
      this.deps.logger.error('could not record a call result', { error: errorMessage(error) });
    }
  }

  /** An error as the history keeps it: a server's message can run to megabytes, as a result can. */
  private errorText(message: string): string {
    const excerpt = redactedTextExcerpt(this.deps.redactor, message, HISTORY_TEXT_LIMIT);
    return excerpt.truncated
      ? `${excerpt.text}… (cut: the history keeps the first ${HISTORY_TEXT_LIMIT} characters)`
      : excerpt.text;
  }

  private hold(
    call: ToolCall,
    decision: Decision,
    callId: number,
    row: NewCall,
    onHeld: (verdict: HeldVerdict) => void,
    definitionChange?: DefinitionChange,
  ): Admission {
    // A held call waits for a person, so writing it at once costs nothing noticeable, and a
    // restart then finds it and records it as never answered.
    if (!this.deps.history.flush()) {
      return this.refuseUnheld(
        call,
        callId,
        decision.rule,
        'Airlock could not write the held call to its history, and it holds nothing unrecorded',
      );
    }
    const timeoutMs = decision.approvalTimeoutMs ?? this.deps.approvalTimeoutMs();
    const held = this.deps.approvals.hold(
      {
        callId,
        grant: call.grant,
        session: call.session,
        server: call.server,
        tool: call.tool,
        // The very object forwarded if allowed, so the person approves what they read; it stays
        // in memory (the row above is redacted). What the history redacts is flagged for masking.
        args: call.args,
        secrets: this.deps.redactor.secrets(call.args),
        argsHash: row.argsHash,
        rule: row.rule,
        reason: row.reason,
        ...(decision.policyHash === undefined ? {} : { policyHash: decision.policyHash }),
        ...(definitionChange === undefined ? {} : { definitionChange }),
        timeoutMs,
      },
      (outcome) => onHeld(this.settle(call, decision, callId, timeoutMs, outcome)),
    );
    if (!held.ok) return this.refuseUnheld(call, callId, decision.rule, held.reason);
    return { kind: 'hold', callId, approvalId: held.approval.id };
  }

  /** A call that needed approval but that Airlock refused to hold (queue full, history unwritable). */
  private refuseUnheld(call: ToolCall, callId: number, rule: string, reason: string): Admission {
    const now = this.deps.clock.now();
    this.update(
      callId,
      {
        decision: 'deny',
        decidedBy: 'airlock',
        decidedAt: now,
        reason,
        status: 'not_run',
        finishedAt: now,
      },
      true,
    );
    return {
      kind: 'refuse',
      result: heldRefusal(`Airlock refused "${call.tool}": ${reason}.`, 'airlock', {
        rule,
        reason,
      }),
    };
  }

  private settle(
    call: ToolCall,
    held: Decision,
    callId: number,
    timeoutMs: number,
    outcome: ApprovalOutcome,
  ): HeldVerdict {
    const now = this.deps.clock.now();
    const refuse = (
      decidedBy: DecidedBy,
      text: string,
      reason: string,
      rule = held.rule,
    ): HeldVerdict => {
      this.update(
        callId,
        {
          decision: 'deny',
          decidedBy,
          decidedAt: now,
          reason: this.deps.redactor.text(reason),
          status: 'not_run',
          finishedAt: now,
        },
        true,
      );
      return { kind: 'refuse', result: heldRefusal(text, decidedBy, { rule, reason }) };
    };
    const unwritable =
      'a person allowed the call, but Airlock could not record that in its history, and it runs nothing unrecorded; call again once the history can be written';
    const unwritableText = `Airlock refused "${call.tool}": ${unwritable}.`;
    switch (outcome.outcome) {
      case 'allowed': {
        // The held row on disk says the call has not run; it must say otherwise before it does,
        // or a history that cannot be written (disk full, locked) would hide a call that ran.
        // Written here first, so a failure is found before the call is counted against its limits.
        if (!this.deps.history.flush()) return refuse('airlock', unwritableText, unwritable);
        const approved = this.deps.gatekeeper.decideApproved(call, held.policyHash);
        if (approved.action !== 'allow') {
          return refuse(
            'airlock',
            policyRefusal(approved, call.tool).content[0]!.text,
            approved.reason,
            approved.rule,
          );
        }
        const reason = outcome.forMinutes
          ? `allowed by a person, and for the next ${outcome.forMinutes} min`
          : 'allowed by a person';
        this.update(
          callId,
          { decision: 'allow', decidedBy: 'person', decidedAt: now, reason, status: 'running' },
          false,
        );
        // The refusal's change is merged over the allow still waiting, so the row ends refused.
        if (!this.deps.history.flush()) return refuse('airlock', unwritableText, unwritable);
        if (outcome.forMinutes) {
          this.deps.temporaryGrants.add(call.grant, call.server, call.tool, outcome.forMinutes);
        }
        return { kind: 'run', callId };
      }
      case 'denied':
        return refuse(
          'person',
          deniedText(call.tool, outcome.message),
          outcome.message ? `denied by a person: ${outcome.message}` : 'denied by a person',
        );
      case 'expired':
        return refuse('timeout', timeoutText(call.tool, timeoutMs), 'no one answered in time');
      case 'withdrawn': {
        if (outcome.by === 'revoke') {
          const reason = `grant "${call.grant}" was revoked while the call was held`;
          return refuse(
            'revoke',
            `Airlock refused "${call.tool}": ${reason}, so it will not run.`,
            reason,
          );
        }
        const reason =
          outcome.by === 'cancel'
            ? 'the client cancelled the call while it was held'
            : outcome.by === 'disconnect'
              ? 'the client disconnected while the call was held'
              : 'Airlock stopped while the call was held';
        return refuse(outcome.by, `Airlock did not run "${call.tool}": ${reason}.`, reason);
      }
    }
  }

  private newRow(
    call: ToolCall,
    decision: Decision,
    decidedBy: DecidedBy,
    receivedAt: number,
  ): NewCall {
    const { redactor } = this.deps;
    const final = decision.action === 'deny';
    const now = this.deps.clock.now();
    return {
      receivedAt,
      ...(decision.action === 'require_approval' && decidedBy === 'policy'
        ? {}
        : { decidedAt: now }),
      grant: call.grant,
      session: call.session,
      server: call.server,
      tool: call.tool,
      args: redactedExcerpt(redactor, call.args, HISTORY_TEXT_LIMIT).text,
      argsHash: keyedCanonicalHash(this.deps.argsHashKey, call.args),
      action: decidedBy === 'temporary_grant' ? 'require_approval' : decision.action,
      decision: decision.action === 'require_approval' ? 'pending' : decision.action,
      decidedBy,
      rule: decision.rule,
      reason: redactor.text(decision.reason),
      ...(decision.policyHash === undefined ? {} : { policyHash: decision.policyHash }),
      status: decision.action === 'allow' ? 'running' : 'not_run',
      ...(final ? { finishedAt: now } : {}),
    };
  }

  private recorded(callId: number, row: NewCall): void {
    const record: CallRecord = { ...row, id: callId };
    if (row.finishedAt === undefined) this.open.set(callId, record);
    this.deps.events.emit('call.recorded', { call: record });
  }

  private update(callId: number, change: CallUpdate, final: boolean): void {
    this.deps.history.update(callId, change);
    const before = this.open.get(callId);
    if (final) this.open.delete(callId);
    if (before === undefined) return;
    const record: CallRecord = { ...before, ...change };
    if (!final) this.open.set(callId, record);
    this.deps.events.emit('call.recorded', { call: record });
  }
}
