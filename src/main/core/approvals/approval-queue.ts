// The calls held for a person: each waits until someone allows or denies it, its timeout passes,
// or its client withdraws it, whichever comes first. Exactly one of those settles it; every later
// answer is turned away and changes nothing. A held call's exact arguments live here and nowhere
// else; a settled one is forgotten but for its outcome.
import type { Approval, ApprovalOutcome } from '../../../shared/contract';
import type { Clock, Timers } from '../ports';

export type HoldRequest = Omit<Approval, 'id' | 'receivedAt' | 'expiresAt'> & {
  timeoutMs: number;
};

export type HoldResult = { ok: true; approval: Approval } | { ok: false; reason: string };

export type Answer =
  { decision: 'allow'; forMinutes?: number } | { decision: 'deny'; message?: string };

export type AnswerResult =
  | { ok: true; approval: Approval; outcome: ApprovalOutcome }
  | { ok: false; code: 'not_found' | 'conflict'; message: string };

export interface ApprovalLimits {
  maxPending: number;
  maxPendingPerGrant: number;
}

export interface ApprovalQueueDeps {
  clock: Clock;
  timers: Timers;
  /** Read on every hold, so a settings change applies to the next call. */
  limits: () => ApprovalLimits;
  newId?: () => string;
  onAdded?: (approval: Approval) => void;
  /** Called once per approval, after it has left the queue. */
  onResolved?: (approval: Approval, outcome: ApprovalOutcome) => void;
}

interface Entry {
  approval: Approval;
  settle: (outcome: ApprovalOutcome) => void;
  cancelTimer: () => void;
}

const EXPIRED: ApprovalOutcome = { outcome: 'expired', by: 'timeout' };

// Settled approvals remembered so a late answer can be told what happened instead of "not found".
const SETTLED_MEMORY = 1000;

export class ApprovalQueue {
  private readonly pending = new Map<string, Entry>();
  private readonly settled = new Map<string, ApprovalOutcome>();
  private readonly newId: () => string;

  constructor(private readonly deps: ApprovalQueueDeps) {
    this.newId = deps.newId ?? (() => globalThis.crypto.randomUUID());
  }

  get size(): number {
    return this.pending.size;
  }

  /** Pending approvals, newest first. */
  list(): Approval[] {
    this.expireDue();
    return [...this.pending.values()].map((entry) => entry.approval).reverse();
  }

  get(id: string): Approval | undefined {
    return this.pending.get(id)?.approval;
  }

  /**
   * Holds a call. `settle` is called exactly once with what became of it. Refused (and `settle`
   * never called) when the queue is at its cap, so an agent in a loop cannot flood the user.
   */
  hold(request: HoldRequest, settle: (outcome: ApprovalOutcome) => void): HoldResult {
    const { maxPending, maxPendingPerGrant } = this.deps.limits();
    if (this.pending.size >= maxPending) {
      return {
        ok: false,
        reason: `${calls(this.pending.size)} ${this.pending.size === 1 ? 'is' : 'are'} already waiting for approval, the most Airlock holds at once; answer some first`,
      };
    }
    let mine = 0;
    for (const entry of this.pending.values()) if (entry.approval.grant === request.grant) mine++;
    if (mine >= maxPendingPerGrant) {
      return {
        ok: false,
        reason: `grant "${request.grant}" already has ${calls(mine)} waiting for approval, the most Airlock holds for one client; answer some first`,
      };
    }
    const { timeoutMs, ...call } = request;
    const now = this.deps.clock.now();
    const approval: Approval = {
      ...call,
      id: this.newId(),
      receivedAt: now,
      expiresAt: now + timeoutMs,
    };
    const cancelTimer = this.deps.timers.after(timeoutMs, () => this.settle(approval.id, EXPIRED));
    this.pending.set(approval.id, { approval, settle, cancelTimer });
    this.deps.onAdded?.(approval);
    return { ok: true, approval };
  }

  /** A person's answer. The first answer wins; one for a call that is no longer held changes nothing. */
  answer(id: string, answer: Answer): AnswerResult {
    this.expireDue();
    const entry = this.pending.get(id);
    if (entry === undefined) {
      const earlier = this.settled.get(id);
      if (earlier === undefined) {
        return { ok: false, code: 'not_found', message: `No held call has id "${id}".` };
      }
      return {
        ok: false,
        code: 'conflict',
        message: `That call is no longer waiting: ${describe(earlier)}.`,
      };
    }
    const outcome: ApprovalOutcome =
      answer.decision === 'allow'
        ? {
            outcome: 'allowed',
            by: 'person',
            ...(answer.forMinutes ? { forMinutes: answer.forMinutes } : {}),
          }
        : {
            outcome: 'denied',
            by: 'person',
            ...(answer.message ? { message: answer.message } : {}),
          };
    this.settle(id, outcome);
    return { ok: true, approval: entry.approval, outcome };
  }

  /** The client cancelled the call or went away; returns false if it was no longer held. */
  withdraw(id: string, by: 'cancel' | 'disconnect' | 'restart'): boolean {
    return this.settle(id, { outcome: 'withdrawn', by });
  }

  /**
   * The grant was revoked: every call it has held is refused at once, and an answer that comes
   * later is turned away. Returns how many there were.
   */
  withdrawGrant(grant: string): number {
    let withdrawn = 0;
    for (const [id, entry] of [...this.pending]) {
      if (entry.approval.grant === grant && this.settle(id, { outcome: 'withdrawn', by: 'revoke' }))
        withdrawn++;
    }
    return withdrawn;
  }

  /** Airlock is stopping: nothing held will be answered. */
  withdrawAll(): void {
    for (const id of [...this.pending.keys()]) this.withdraw(id, 'restart');
  }

  /**
   * Refuses every held call whose time is up by the clock. The timeout is a time, not only a
   * timer: timers run late on a busy process and stand still while the computer sleeps, so a
   * person back from a closed lid could otherwise still run a call whose time was long up.
   */
  private expireDue(): void {
    const now = this.deps.clock.now();
    for (const [id, entry] of this.pending) {
      if (now >= entry.approval.expiresAt) this.settle(id, EXPIRED);
    }
  }

  private settle(id: string, outcome: ApprovalOutcome): boolean {
    const entry = this.pending.get(id);
    if (entry === undefined) return false;
    this.pending.delete(id);
    entry.cancelTimer();
    this.settled.set(id, outcome);
    if (this.settled.size > SETTLED_MEMORY) {
      this.settled.delete(this.settled.keys().next().value as string);
    }
    entry.settle(outcome);
    this.deps.onResolved?.(entry.approval, outcome);
    return true;
  }
}

function calls(count: number): string {
  return count === 1 ? '1 call' : `${count} calls`;
}

function describe(outcome: ApprovalOutcome): string {
  switch (outcome.outcome) {
    case 'allowed':
      return 'it was already allowed';
    case 'denied':
      return 'it was already denied';
    case 'expired':
      return 'no one answered in time and it was refused';
    case 'withdrawn':
      switch (outcome.by) {
        case 'cancel':
          return 'the client cancelled it';
        case 'disconnect':
          return 'the client disconnected';
        case 'restart':
          return 'Airlock restarted';
        case 'revoke':
          return 'its grant was revoked, so it will not run';
      }
  }
}
