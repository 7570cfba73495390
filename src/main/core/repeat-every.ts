// A repeating timer built on the injected one-shot Timers, so tests move time instead of waiting.
import type { Timers } from './ports';

/** Calls `fn` every `ms` until the returned function is called. */
export function repeatEvery(timers: Timers, ms: number, fn: () => void): () => void {
  let cancel = () => {};
  let stopped = false;
  const arm = () => {
    cancel = timers.after(ms, () => {
      if (stopped) return;
      arm();
      fn();
    });
  };
  arm();
  return () => {
    stopped = true;
    cancel();
  };
}
