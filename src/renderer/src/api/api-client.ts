// The renderer's one door to the core: an `Api` over the preload bridge in the Electron app, or
// over HTTP + Server-Sent Events against `airlock serve` in a browser. No component knows which.
import type { AirlockBridge } from '../../../shared/bridge';
import type {
  Api,
  ApiErrorBody,
  AppEvent,
  CommandInput,
  CommandName,
  CommandOutput,
} from '../../../shared/contract';
import { ApiError } from '../../../shared/api-error';
import { EVENT_NAMES } from '../../../shared/command-names';

// The same ApiError the core's handlers throw, rebuilt from the error body that crossed over.
export { ApiError };

function ipcApi(bridge: AirlockBridge): Api {
  return {
    async call<C extends CommandName>(command: C, input: CommandInput<C>) {
      const result = await bridge.call(command, input);
      if (!result.ok)
        throw new ApiError(result.error.code, result.error.message, result.error.problems);
      return result.output as CommandOutput<C>;
    },
    on: (listener) => bridge.on(listener),
  };
}

/** How long a command waits for the event stream to connect before it is sent anyway. */
const STREAM_WAIT_MS = 3000;

export function httpApi(baseUrl: string, token: string): Api {
  const listeners = new Set<(event: AppEvent) => void>();
  const reconnectListeners = new Set<() => void>();
  let source: EventSource | undefined;
  /** Settles once the stream is connected, or fails to; the server subscribes before it answers. */
  let connected: Promise<void> = Promise.resolve();
  const open = () => {
    // EventSource cannot send headers, so the stream alone takes the token as a parameter.
    const stream = new EventSource(`${baseUrl}/api/events?token=${encodeURIComponent(token)}`);
    source = stream;
    connected = new Promise<void>((resolve) => {
      stream.addEventListener('open', () => resolve(), { once: true });
      stream.addEventListener('error', () => resolve(), { once: true });
      setTimeout(resolve, STREAM_WAIT_MS);
    });
    // EventSource reconnects by itself after a drop; the first 'open' after an error is that.
    let dropped = false;
    stream.addEventListener('error', () => (dropped = true));
    stream.addEventListener('open', () => {
      if (!dropped) return;
      dropped = false;
      for (const listener of reconnectListeners) listener();
    });
    // EventSource delivers named events only to listeners for that name.
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (message) => {
        const event = {
          name,
          data: JSON.parse((message as MessageEvent<string>).data),
        } as AppEvent;
        for (const listener of listeners) listener(event);
      });
    }
  };
  return {
    async call<C extends CommandName>(command: C, input: CommandInput<C>) {
      // A screen lists (say, the held calls) right after subscribing. Sent before the stream is
      // connected, the list could be answered before a call is held while the event for that
      // call went out before the stream existed: the call would never show.
      await connected;
      let response: Response;
      try {
        response = await fetch(`${baseUrl}/api/${command}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        throw new ApiError('unavailable', 'Airlock cannot be reached. Is airlock serve running?');
      }
      const body = (await response.json().catch(() => undefined)) as
        CommandOutput<C> | ApiErrorBody | undefined;
      if (!response.ok || body === undefined) {
        const error = (body as ApiErrorBody | undefined)?.error;
        throw new ApiError(
          error?.code ?? 'unavailable',
          error?.message ?? `Airlock answered HTTP ${response.status}.`,
          error?.problems,
        );
      }
      return body as CommandOutput<C>;
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    on(listener) {
      listeners.add(listener);
      if (!source) open();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          source?.close();
          source = undefined;
        }
      };
    },
  };
}

const TOKEN_KEY = 'airlock.uiToken';

/** How this window reaches the core: the desktop app's IPC, or HTTP in a browser (`airlock serve`). */
export type ApiTransport = 'ipc' | 'http';

/**
 * The Api for this window: the preload's bridge when there is one, else HTTP to the server that
 * served the page, with the UI token from the address (`#token=...`). The token is then kept in
 * session storage and taken out of the address bar, so it is not left on screen or in history.
 */
export function connectApi(
  win: Window = window,
): { api: Api; transport: ApiTransport } | { error: string } {
  if (win.airlock) return { api: ipcApi(win.airlock), transport: 'ipc' };
  const fromHash = new URLSearchParams(win.location.hash.slice(1)).get('token');
  if (fromHash) {
    win.sessionStorage.setItem(TOKEN_KEY, fromHash);
    win.history.replaceState(null, '', win.location.pathname + win.location.search);
  }
  const token = fromHash ?? win.sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    return {
      error:
        'This page needs the UI token. Open the address airlock serve printed (it ends in #token=...).',
    };
  }
  return { api: httpApi(win.location.origin, token), transport: 'http' };
}
