// The app API over Electron IPC, the app's twin of the HTTP routes (../http/api-routes.ts): one
// invoke channel runs a command through the dispatcher, and a window that subscribes gets every
// pushed event. Every message's sender is checked first; only Airlock's own renderer, in a
// window's top frame, may call. Answers are the dispatcher's tagged results, so a failure crosses
// IPC as data rather than as a thrown Error whose message Electron would rewrite.
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import type { AppEvent } from '../../../shared/contract';
import { IPC_CHANNELS } from '../../../shared/bridge';
import type { ApiDispatcher, DispatchResult } from '../../core/api/dispatcher';
import type { Logger } from '../../core/ports';
import { withTexts } from '../../core/history/json-string-bytes';
import { isAppPage } from './app-protocol';

export { IPC_CHANNELS };

/** The part of an IPC event that says who sent it. */
export type SenderEvent = Pick<IpcMainInvokeEvent, 'senderFrame'>;

export interface IpcApiDeps {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'>;
  dispatcher: ApiDispatcher;
  /** True only for Airlock's own renderer; see trustedRendererCheck. */
  isTrustedSender(event: SenderEvent): boolean;
  logger: Logger;
}

/** Mounts the IPC channels; the returned function removes them and ends every subscription. */
export function mountIpcApi(deps: IpcApiDeps): () => void {
  const { ipcMain, dispatcher, logger } = deps;
  /** Event subscriptions by webContents id, each with the function that ends it. */
  const subscriptions = new Map<number, () => void>();

  function trusted(channel: string, event: SenderEvent): boolean {
    let ok = false;
    try {
      ok = deps.isTrustedSender(event);
    } catch (error) {
      logger.error('IPC sender check failed', { channel, error: String(error) });
    }
    if (!ok) {
      logger.warn('refused an IPC message from an untrusted sender', {
        channel,
        url: senderUrl(event),
      });
    }
    return ok;
  }

  async function call(
    event: IpcMainInvokeEvent,
    command: unknown,
    input: unknown,
  ): Promise<DispatchResult> {
    if (!trusted(IPC_CHANNELS.call, event)) {
      return failure('invalid_input', 'Refused: this window may not call Airlock.');
    }
    if (typeof command !== 'string') return failure('not_found', 'The command must be a name.');
    try {
      const result = await dispatcher.dispatch(command, input);
      // The renderer takes an export's text as a string (the HTTP API writes its bytes instead).
      return result.ok ? { ok: true, output: withTexts(result.output) } : result;
    } catch (error) {
      // The dispatcher answers failures as data; this is a bug, answered the way HTTP does.
      logger.error(`ipc ${command} failed`, { error: (error as Error)?.stack ?? String(error) });
      return failure('unavailable', 'Internal error.');
    }
  }

  function end(id: number): void {
    const stop = subscriptions.get(id);
    if (!stop) return;
    subscriptions.delete(id);
    stop();
  }

  function subscribe(event: IpcMainEvent): void {
    if (!trusted(IPC_CHANNELS.subscribe, event)) return;
    const contents: WebContents = event.sender;
    const id = contents.id;
    if (subscriptions.has(id) || contents.isDestroyed()) return;
    const stopEvents = dispatcher.subscribe((appEvent: AppEvent) => {
      if (contents.isDestroyed()) return end(id);
      // Navigation is refused, but should this window ever show another page, it gets nothing.
      if (!trusted(IPC_CHANNELS.event, { senderFrame: contents.mainFrame })) return end(id);
      contents.send(IPC_CHANNELS.event, appEvent);
    });
    const onDestroyed = () => end(id);
    contents.once('destroyed', onDestroyed);
    subscriptions.set(id, () => {
      stopEvents();
      contents.removeListener('destroyed', onDestroyed);
    });
  }

  function unsubscribe(event: IpcMainEvent): void {
    if (!trusted(IPC_CHANNELS.unsubscribe, event)) return;
    end(event.sender.id);
  }

  ipcMain.handle(IPC_CHANNELS.call, call);
  ipcMain.on(IPC_CHANNELS.subscribe, subscribe);
  ipcMain.on(IPC_CHANNELS.unsubscribe, unsubscribe);

  return () => {
    ipcMain.removeHandler(IPC_CHANNELS.call);
    ipcMain.removeListener(IPC_CHANNELS.subscribe, subscribe);
    ipcMain.removeListener(IPC_CHANNELS.unsubscribe, unsubscribe);
    for (const id of [...subscriptions.keys()]) end(id);
  };
}

export interface TrustedRendererOptions {
  /**
   * The dev server's address under `electron-vite dev` (never in a packaged app); when set (and
   * not empty, as the window also reads it) only its origin is trusted.
   */
  devUrl?: string;
}

/**
 * The sender check for the app's window: the message must come from a live top frame showing
 * what the window loads, a page of app://airlock/ (app-protocol.ts) or, under `electron-vite dev`,
 * a page of the dev server's origin. Anything else (file://, the web, a subframe) is refused.
 */
export function trustedRendererCheck(
  options: TrustedRendererOptions = {},
): (event: SenderEvent) => boolean {
  const devOrigin = options.devUrl ? new URL(options.devUrl).origin : undefined;
  if (devOrigin === 'null') {
    throw new Error(`The renderer's dev URL must be http(s): ${options.devUrl}`);
  }
  return (event) => {
    try {
      // A frame that navigated or was destroyed is null, or throws when read.
      const frame = event.senderFrame;
      if (!frame || frame.parent !== null) return false;
      if (devOrigin !== undefined) return new URL(frame.url).origin === devOrigin;
      return isAppPage(frame.url);
    } catch {
      return false;
    }
  };
}

function senderUrl(event: SenderEvent): string {
  try {
    const url = event.senderFrame?.url;
    if (url === undefined) return '(no frame)';
    return url.length > 200 ? `${url.slice(0, 200)}…` : url;
  } catch {
    return '(disposed frame)';
  }
}

function failure(
  code: 'invalid_input' | 'not_found' | 'unavailable',
  message: string,
): DispatchResult {
  return { ok: false, error: { code, message } };
}
