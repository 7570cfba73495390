// Holds the policy in force for each upstream server. An invalid file never replaces a good
// policy: the last good one stays in force and the problems are kept for the UI.
import { silentLogger, systemClock } from '../ports';
import type { Clock, JsonProblem, Logger, Parsed } from '../ports';
import { parsePolicy } from './parse-policy';
import type { Policy } from './types';

export interface PolicyState {
  /** The policy in force; absent when the server has never had a valid one (all calls refused). */
  readonly policy?: Policy;
  /** Problems in the most recently loaded text; empty when that text is the policy in force. */
  readonly errors: readonly JsonProblem[];
  /** When the policy in force was loaded (epoch ms). */
  readonly loadedAt?: number;
  /** When text was last loaded for this server, valid or not (epoch ms). */
  readonly checkedAt?: number;
}

export type PolicyListener = (serverId: string, state: PolicyState) => void;

const NO_POLICY: PolicyState = Object.freeze({ errors: Object.freeze([]) });

export class PolicyRegistry {
  private readonly states = new Map<string, PolicyState>();
  private readonly listeners = new Set<PolicyListener>();
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(options: { clock?: Clock; logger?: Logger } = {}) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  /** Parses `text` as the server's policy. Valid text takes effect at once; invalid text does not. */
  load(serverId: string, text: string): Parsed<Policy> {
    const result = parsePolicy(text);
    const previous = this.states.get(serverId);
    const now = this.clock.now();
    let next: PolicyState;
    if (result.ok) {
      // File watchers report one save several times; the same valid text again changes nothing.
      if (
        previous?.policy?.version.hash === result.value.version.hash &&
        previous.errors.length === 0
      ) {
        this.states.set(serverId, { ...previous, checkedAt: now });
        return result;
      }
      next = { policy: result.value, errors: [], loadedAt: now, checkedAt: now };
    } else {
      next = {
        ...(previous?.policy === undefined
          ? {}
          : { policy: previous.policy, loadedAt: previous.loadedAt }),
        errors: result.errors,
        checkedAt: now,
      };
    }
    this.states.set(serverId, Object.freeze(next));
    this.emit(serverId, next);
    return result;
  }

  /** Forgets the server's policy (its file was deleted): calls to it are refused from now on. */
  remove(serverId: string): void {
    if (!this.states.delete(serverId)) return;
    this.emit(serverId, NO_POLICY);
  }

  get(serverId: string): PolicyState {
    return this.states.get(serverId) ?? NO_POLICY;
  }

  serverIds(): string[] {
    return [...this.states.keys()];
  }

  /** Calls `listener` after every change; returns the function that unsubscribes it. */
  onChange(listener: PolicyListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(serverId: string, state: PolicyState): void {
    for (const listener of this.listeners) {
      try {
        listener(serverId, state);
      } catch (error) {
        // One faulty subscriber (a UI push) must not stop the policy change reaching the others.
        this.logger.error('policy change listener failed', { serverId, error: String(error) });
      }
    }
  }
}
