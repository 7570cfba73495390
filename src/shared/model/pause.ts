// Whether Airlock is paused, as the core keeps it and the UI shows it.

export interface PauseState {
  paused: boolean;
  /** Epoch ms the pause began. */
  since?: number;
}
