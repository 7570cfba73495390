// "Pause Airlock": while paused, every tools/call is refused and recorded as decided by the pause,
// until a person resumes. The state outlives a restart (a pause is a brake, and a brake that lets
// go when the app restarts is not one), so it is saved before it is reported.
import type { PauseState } from '../../../shared/model/pause';
import type { Clock } from '../ports';

export type { PauseState };

export interface PauseSwitchDeps {
  clock: Clock;
  /** The state as saved when Airlock last stopped. */
  initial: PauseState;
  /** Saves the state; a failure leaves it unchanged and is the caller's error. */
  save(state: PauseState): void;
  onChange?(state: PauseState): void;
}

export const PAUSED_REASON = 'Airlock is paused: every call is refused until a person resumes it';

export class PauseSwitch {
  private state: PauseState;

  constructor(private readonly deps: PauseSwitchDeps) {
    this.state = deps.initial.paused ? { ...deps.initial } : { paused: false };
  }

  get paused(): boolean {
    return this.state.paused;
  }

  get(): PauseState {
    return { ...this.state };
  }

  /** Pauses or resumes; a switch to the state already in force changes nothing. */
  set(paused: boolean): PauseState {
    if (paused === this.state.paused) return this.get();
    const next: PauseState = paused ? { paused, since: this.deps.clock.now() } : { paused };
    this.deps.save(next);
    this.state = next;
    this.deps.onChange?.(this.get());
    return this.get();
  }
}
