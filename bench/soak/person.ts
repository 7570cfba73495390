// The person at the Pending screen, through the app API as the browser UI reaches it: learns of
// held calls from /api/events (and, for some, only from approvals.list), then allows, denies,
// answers twice at once, or lets the call time out. Calls the soak means to end otherwise (cancel,
// disconnect, revoke) are reserved and left alone; agents wait on them through whenHeld.
import type { Approval, ApprovalOutcome, AppEvent } from '../../src/shared/contract';
import type { AppApi, EventSubscription } from '../lib/app-api';
import type { Random } from './random';

type Waiter<T> = (value: T) => void;

export interface PersonFigures {
  heldSeenByEvents: number;
  /** Held calls approvals.list showed that no event announced (expected 0). */
  missedByEvents: number;
  answeredFromList: number;
  allowed: number;
  allowedForMinutes: number;
  denied: number;
  ignored: number;
  /** Two answers sent at once; exactly one may be taken. */
  doubleAnswers: number;
  /** Answers turned away because the call had already ended (timeout, withdrawal): expected. */
  lateAnswers: number;
  resolved: Map<string, number>;
  /** The event stream ended while the soak ran. */
  streamDrops: number;
}

export class Person {
  private readonly held = new Map<string, Approval>();
  private readonly reserved = new Set<number>();
  private readonly handled = new Set<string>();
  private readonly listedOnly = new Map<string, number>();
  private readonly heldWaiters = new Map<number, Waiter<Approval>[]>();
  private readonly resolvedWaiters = new Map<number, Waiter<ApprovalOutcome>[]>();
  private readonly heldIds = new Map<number, Approval>();
  private readonly outcomes = new Map<number, ApprovalOutcome>();
  /** Every approval.resolved event, in order, for the check against the history. */
  readonly resolutions: { soakId: number; outcome: ApprovalOutcome }[] = [];
  private subscription?: EventSubscription;
  private sweeper?: NodeJS.Timeout;
  private stopped = false;
  readonly problems: string[] = [];
  readonly figures: PersonFigures = {
    heldSeenByEvents: 0,
    missedByEvents: 0,
    answeredFromList: 0,
    allowed: 0,
    allowedForMinutes: 0,
    denied: 0,
    ignored: 0,
    doubleAnswers: 0,
    lateAnswers: 0,
    resolved: new Map(),
    streamDrops: 0,
  };

  constructor(
    private readonly api: AppApi,
    private readonly random: Random,
  ) {}

  async start(): Promise<void> {
    await this.listen();
    this.sweeper = setInterval(() => void this.sweep(), 2500);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.sweeper);
    this.subscription?.close();
  }

  /** Held calls right now, as far as the events tell. */
  get heldNow(): number {
    return this.held.size;
  }

  /** The person will not answer this call: the soak ends it another way. */
  reserve(soakId: number): void {
    this.reserved.add(soakId);
  }

  /** Resolves with the approval once the call is held, or undefined after `timeoutMs`. */
  whenHeld(soakId: number, timeoutMs: number): Promise<Approval | undefined> {
    const known = this.heldIds.get(soakId);
    if (known) return Promise.resolve(known);
    return this.wait(this.heldWaiters, soakId, timeoutMs);
  }

  /** Resolves with how the held call ended, or undefined after `timeoutMs`. */
  whenResolved(soakId: number, timeoutMs: number): Promise<ApprovalOutcome | undefined> {
    const known = this.outcomes.get(soakId);
    if (known) return Promise.resolve(known);
    return this.wait(this.resolvedWaiters, soakId, timeoutMs);
  }

  private wait<T>(
    waiters: Map<number, Waiter<T>[]>,
    soakId: number,
    timeoutMs: number,
  ): Promise<T | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const left = (waiters.get(soakId) ?? []).filter((waiter) => waiter !== done);
        if (left.length > 0) waiters.set(soakId, left);
        else waiters.delete(soakId);
        resolve(undefined);
      }, timeoutMs);
      const done: Waiter<T> = (value) => {
        clearTimeout(timer);
        resolve(value);
      };
      waiters.set(soakId, [...(waiters.get(soakId) ?? []), done]);
    });
  }

  private async listen(): Promise<void> {
    this.subscription = await this.api.subscribe((event) => this.onEvent(event));
    void this.subscription.closed.then(() => {
      if (this.stopped) return;
      this.figures.streamDrops++;
      void this.listen().catch((error: Error) => this.problems.push(`events: ${error.message}`));
    });
  }

  private onEvent(event: AppEvent): void {
    if (event.name === 'approval.added') {
      const { approval } = event.data;
      this.figures.heldSeenByEvents++;
      this.track(approval);
      // Most are answered as they appear; the rest wait for the next look at the list.
      if (this.random.chance(0.75)) this.consider(approval);
    } else if (event.name === 'approval.resolved') {
      const { approval, outcome } = event.data;
      this.held.delete(approval.id);
      this.listedOnly.delete(approval.id);
      const key = outcome.outcome === 'withdrawn' ? `withdrawn (${outcome.by})` : outcome.outcome;
      this.figures.resolved.set(key, (this.figures.resolved.get(key) ?? 0) + 1);
      const soakId = soakIdOf(approval);
      if (soakId === undefined) return;
      this.outcomes.set(soakId, outcome);
      this.resolutions.push({ soakId, outcome });
      this.heldIds.delete(soakId);
      for (const waiter of this.resolvedWaiters.get(soakId) ?? []) waiter(outcome);
      this.resolvedWaiters.delete(soakId);
    }
  }

  private track(approval: Approval): void {
    this.held.set(approval.id, approval);
    this.listedOnly.delete(approval.id);
    const soakId = soakIdOf(approval);
    if (soakId === undefined) {
      this.problems.push(`held call ${approval.id} (${approval.tool}) carries no soak_id`);
      return;
    }
    this.heldIds.set(soakId, approval);
    for (const waiter of this.heldWaiters.get(soakId) ?? []) waiter(approval);
    this.heldWaiters.delete(soakId);
  }

  /** approvals.list, as the Pending screen loads it: answers what the events left, finds what they missed. */
  private async sweep(): Promise<void> {
    let approvals: Approval[];
    try {
      ({ approvals } = await this.api.call('approvals.list', {}));
    } catch (error) {
      if (!this.stopped) this.problems.push(`approvals.list: ${(error as Error).message}`);
      return;
    }
    const now = Date.now();
    for (const approval of approvals) {
      if (!this.held.has(approval.id)) {
        // The event may still be on its way; missed only if it has not come by the next sweep.
        const firstListed = this.listedOnly.get(approval.id);
        if (firstListed === undefined) this.listedOnly.set(approval.id, now);
        else if (now - firstListed > 2000) {
          this.figures.missedByEvents++;
          this.problems.push(`held call ${approval.id} was listed but never announced by an event`);
          this.track(approval);
        }
        continue;
      }
      if (!this.handled.has(approval.id)) {
        this.figures.answeredFromList++;
        this.consider(approval);
      }
    }
  }

  private consider(approval: Approval): void {
    if (this.handled.has(approval.id)) return;
    this.handled.add(approval.id);
    const soakId = soakIdOf(approval);
    if (soakId !== undefined && this.reserved.has(soakId)) return;
    const choice = this.random.weighted({
      allow: 45,
      deny: 25,
      ignore: 25,
      double: 5,
      // Rare: each allows the grant's calls to that tool for a minute, unheld.
      forMinutes: 0.3,
    });
    if (choice === 'ignore') {
      this.figures.ignored++;
      return;
    }
    // Reading the card takes a moment; now and then longer than the call may wait.
    const delay = this.random.between(50, 1500);
    setTimeout(
      () =>
        void this.answer(approval, choice).catch((error: Error) => {
          if (!this.stopped) this.problems.push(`approvals.decide: ${error.message}`);
        }),
      delay,
    );
  }

  private async answer(
    approval: Approval,
    choice: 'allow' | 'deny' | 'double' | 'forMinutes',
  ): Promise<void> {
    if (choice === 'double') {
      // Window and notification at once: the first answer wins, the other is turned away.
      this.figures.doubleAnswers++;
      const answers = await Promise.all([
        this.api.send('approvals.decide', { id: approval.id, decision: 'allow' }),
        this.api.send('approvals.decide', { id: approval.id, decision: 'deny' }),
      ]);
      const taken = answers.filter((answer) => answer.ok).length;
      if (taken > 1) this.problems.push(`both answers to held call ${approval.id} were taken`);
      if (taken === 0) this.figures.lateAnswers++;
      for (const answer of answers) if (!answer.ok) this.checkRefusal(approval, answer.status);
      const winner = answers.find((answer) => answer.ok);
      if (winner?.ok) {
        if (winner.body.outcome.outcome === 'allowed') this.figures.allowed++;
        else this.figures.denied++;
      }
      return;
    }
    const answer = await this.api.send('approvals.decide', {
      id: approval.id,
      ...(choice === 'deny'
        ? { decision: 'deny' as const, ...(this.random.chance(0.5) ? { message: 'not now' } : {}) }
        : { decision: 'allow' as const, ...(choice === 'forMinutes' ? { forMinutes: 1 } : {}) }),
    });
    if (!answer.ok) {
      this.figures.lateAnswers++;
      this.checkRefusal(approval, answer.status);
      return;
    }
    if (choice === 'deny') this.figures.denied++;
    else if (choice === 'forMinutes') this.figures.allowedForMinutes++;
    else this.figures.allowed++;
  }

  /** A turned-away answer says conflict (already settled) or not found; anything else is a fault. */
  private checkRefusal(approval: Approval, status: number): void {
    if (status !== 409 && status !== 404) {
      this.problems.push(`approvals.decide for ${approval.id} answered HTTP ${status}`);
    }
  }
}

export function soakIdOf(approval: Pick<Approval, 'args'>): number | undefined {
  const id = (approval.args as { soak_id?: unknown } | null)?.soak_id;
  return typeof id === 'number' ? id : undefined;
}
