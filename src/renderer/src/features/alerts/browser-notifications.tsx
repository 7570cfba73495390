// The person's say over this browser's notifications: a one-time offer on Pending and the setting
// on Settings. Only a click here makes the browser ask for permission.
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { StoreApi } from 'zustand/vanilla';
import { offering, type BrowserAlertsState } from './browser-alerts-store';

/** On Pending, until the person answers it: notifications could be on and are not. */
export function NotifyOffer({ store }: { store: StoreApi<BrowserAlertsState> }) {
  const { shown, asking } = useStore(
    store,
    useShallow((s) => ({ shown: offering(s), asking: s.asking })),
  );
  if (!shown) return null;
  return (
    <div className="banner info" role="region" aria-label="Alerts in this browser">
      <span>Get a notification from this browser when a call waits for you?</span>
      <span className="actions">
        <button
          type="button"
          className="allow"
          disabled={asking}
          onClick={() => void store.getState().turnOn()}
        >
          Notify me in this browser
        </button>
        <button type="button" onClick={() => store.getState().dismissPrompt()}>
          Not now
        </button>
      </span>
    </div>
  );
}

/** On Settings: what this browser does, and the switch. */
export function BrowserNotificationsSetting({ store }: { store: StoreApi<BrowserAlertsState> }) {
  const { permission, turnedOff, asking } = useStore(
    store,
    useShallow((s) => ({ permission: s.permission, turnedOff: s.turnedOff, asking: s.asking })),
  );
  useEffect(() => store.getState().refresh(), [store]);

  let text: string;
  let action: { label: string; run(): void } | undefined;
  if (permission === 'unsupported') {
    text =
      'This browser cannot show notifications; the tab’s title still counts the calls waiting.';
  } else if (permission === 'denied') {
    text =
      'This browser blocks notifications from Airlock. Allow them in the site’s settings (the icon left of the address), then reload this page.';
  } else if (permission === 'granted' && !turnedOff) {
    text =
      'This browser shows a notification when a call waits for you (tool, client and server; never the arguments). Click it to answer on Pending.';
    action = { label: 'Stop notifying in this browser', run: () => store.getState().turnOff() };
  } else {
    text =
      'The tab’s title counts the calls waiting. This browser can also show a notification when one arrives.';
    action = { label: 'Notify me in this browser', run: () => void store.getState().turnOn() };
  }
  return (
    <section className="read-only" aria-labelledby="browser-notifications-title">
      <h3 id="browser-notifications-title">Alerts in this browser</h3>
      <p className="hint">{text}</p>
      {action && (
        <div className="actions">
          <button type="button" disabled={asking} onClick={action.run}>
            {action.label}
          </button>
        </div>
      )}
    </section>
  );
}
