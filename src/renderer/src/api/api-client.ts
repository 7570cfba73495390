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
/** How long the server may take to prove who it is before it counts as not answering. */
const IDENTITY_TIMEOUT_MS = 5000;
/** After a drop or a failed proof the stream is tried again after this, then a little later each time. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 5000;

const UNREACHABLE = 'Airlock cannot be reached. Is airlock serve running?';
const NOT_AIRLOCK =
  "The server at this address is not the Airlock that issued this page's link (another program " +
  'may have its port, or the UI token was replaced). Open the address airlock serve printed.';

type Proof = { ok: true } | { ok: false; reason: 'unreachable' | 'not-airlock' };

/**
 * The app API over HTTP. The token goes only to a server that has just proved it holds it
 * (GET /api/identity: an HMAC keyed by the token over a fresh nonce and the port), first and again
 * after every drop of the event stream: a program that took the port after Airlock stopped gets a
 * nonce and nothing else. So EventSource's own reconnection, which would resend the token in its
 * URL to whoever listens, is never used: a dropped stream is closed and reopened by this code.
 */
export function httpApi(baseUrl: string, token: string): Api {
  const listeners = new Set<(event: AppEvent) => void>();
  const reconnectListeners = new Set<() => void>();
  const port = listeningPort(baseUrl);
  let key: Promise<CryptoKey> | undefined;
  /** Only ever made right after a proof; closed, never left to reconnect, on its first error. */
  let source: EventSource | undefined;
  /** The server proved it holds the token, and nothing since hinted that it went away. */
  let proven = false;
  let proving: Promise<Proof> | undefined;
  /** Settles once the stream is connected, or fails to; the server subscribes before it answers. */
  let connected: Promise<void> = Promise.resolve();
  /** A stream was lost: the next one that opens is a reconnection. */
  let lost = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryMs = RETRY_FIRST_MS;

  async function expectedProof(nonce: string): Promise<string> {
    key ??= crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(token),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const message = new TextEncoder().encode(`airlock-ui-identity:${port}:${nonce}`);
    return hex(new Uint8Array(await crypto.subtle.sign('HMAC', await key, message)));
  }

  /** Asks the server at baseUrl, without the token, to prove that it holds the token. */
  async function askIdentity(): Promise<Proof> {
    const nonce = hex(crypto.getRandomValues(new Uint8Array(32)));
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), IDENTITY_TIMEOUT_MS);
    try {
      let response: Response;
      try {
        response = await fetch(`${baseUrl}/api/identity?nonce=${nonce}`, {
          cache: 'no-store',
          redirect: 'manual',
          signal: abort.signal,
        });
      } catch {
        return { ok: false, reason: 'unreachable' };
      }
      const body = (await response.json().catch(() => undefined)) as
        { proof?: unknown } | undefined;
      const proof = response.ok ? body?.proof : undefined;
      const ok = typeof proof === 'string' && sameText(proof, await expectedProof(nonce));
      return ok ? { ok: true } : { ok: false, reason: 'not-airlock' };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The proof under way, or a new one. A good one opens the stream if it is wanted and shut. */
  function prove(): Promise<Proof> {
    proving ??= askIdentity()
      // Whatever went wrong, nothing was proved.
      .catch((): Proof => ({ ok: false, reason: 'not-airlock' }))
      .then((proof) => {
        proving = undefined;
        proven = proof.ok;
        if (listeners.size > 0 && !source) {
          if (proof.ok) openStream();
          else retryLater();
        }
        return proof;
      });
    return proving;
  }

  function retryLater(): void {
    if (retryTimer !== undefined) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (listeners.size > 0 && !source) void prove();
    }, retryMs);
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 1.5);
  }

  function openStream(): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    // EventSource cannot send headers, so the stream alone takes the token as a parameter.
    const stream = new EventSource(`${baseUrl}/api/events?token=${encodeURIComponent(token)}`);
    source = stream;
    connected = new Promise<void>((resolve) => {
      stream.addEventListener('open', () => resolve(), { once: true });
      stream.addEventListener('error', () => resolve(), { once: true });
      setTimeout(resolve, STREAM_WAIT_MS);
    });
    stream.addEventListener('open', () => {
      if (source !== stream) return;
      retryMs = RETRY_FIRST_MS;
      if (!lost) return;
      lost = false;
      for (const listener of reconnectListeners) listener();
    });
    stream.addEventListener('error', () => {
      if (source !== stream) return;
      // Left open, EventSource would reconnect by itself, token and all, to whatever then listens
      // on the port. Whoever answers next must prove itself first.
      stream.close();
      source = undefined;
      proven = false;
      lost = true;
      retryLater();
    });
    // EventSource delivers named events only to listeners for that name.
    for (const name of EVENT_NAMES) {
      stream.addEventListener(name, (message) => {
        const event = {
          name,
          data: JSON.parse((message as MessageEvent<string>).data),
        } as AppEvent;
        for (const listener of listeners) listener(event);
      });
    }
  }

  /** Returns once the token may be sent; throws when the server has not proved itself. */
  async function ready(): Promise<void> {
    // Without a stream nothing watches the server between commands, so each one asks again.
    if (!(proven && source)) {
      const proof = await prove();
      if (!proof.ok) {
        throw new ApiError(
          'unavailable',
          proof.reason === 'unreachable' ? UNREACHABLE : NOT_AIRLOCK,
        );
      }
    }
    // A screen lists (say, the held calls) right after subscribing. Sent before the stream is
    // connected, the list could be answered before a call is held while the event for that
    // call went out before the stream existed: the call would never show.
    await connected;
    // The stream dropped while this waited: whoever listens now has not proved anything.
    if (!proven) throw new ApiError('unavailable', UNREACHABLE);
  }

  return {
    async call<C extends CommandName>(command: C, input: CommandInput<C>) {
      await ready();
      let response: Response;
      try {
        response = await fetch(`${baseUrl}/api/${command}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        proven = false;
        throw new ApiError('unavailable', UNREACHABLE);
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
      if (!source && retryTimer === undefined) void prove();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          source?.close();
          source = undefined;
          connected = Promise.resolve();
          clearTimeout(retryTimer);
          retryTimer = undefined;
        }
      };
    },
  };
}

/** The port the page's server listens on, as the identity proof names it. */
function listeningPort(baseUrl: string): string {
  const url = new URL(baseUrl);
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Compares in a time that does not depend on where the texts differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
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
