// Pause Airlock from the window, as from the tray: a button in the header, and while paused a
// banner on every screen saying that every agent's call is refused, with Resume.
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { StoreApi } from 'zustand/vanilla';
import type { PauseStoreState } from '../stores/pause-store';
import { shown } from './shown-text';
import { formatTime } from './format-time';

export function PauseButton({ store }: { store: StoreApi<PauseStoreState> }) {
  const { paused, switching } = useStore(
    store,
    useShallow((s) => ({ paused: s.paused, switching: s.switching })),
  );
  useEffect(() => {
    void store.getState().load();
  }, [store]);
  if (paused !== false) return null;
  return (
    <button
      type="button"
      className="pause"
      disabled={switching}
      title="Refuse every agent's call until you resume"
      onClick={() => void store.getState().set(true)}
    >
      Pause Airlock
    </button>
  );
}

export function PauseBanner({ store }: { store: StoreApi<PauseStoreState> }) {
  const { paused, since, switching, error } = useStore(
    store,
    useShallow((s) => ({
      paused: s.paused,
      since: s.since,
      switching: s.switching,
      error: s.error,
    })),
  );
  return (
    <>
      {error ? (
        <div className="banner error" role="alert">
          <span>{shown(error)}</span>
        </div>
      ) : null}
      {paused ? (
        <div className="banner warn" role="status">
          <span>
            Airlock is paused
            {since === undefined ? '' : ` since ${formatTime(since)}`}: every agent&apos;s call is
            refused and recorded, until you resume.
          </span>
          <button
            type="button"
            disabled={switching}
            onClick={() => void store.getState().set(false)}
          >
            Resume
          </button>
        </div>
      ) : null}
    </>
  );
}
