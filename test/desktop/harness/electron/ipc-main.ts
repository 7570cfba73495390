// The fake `ipcMain`: messages from a window's preload arrive with Electron's event (sender, the
// sending frame, reply) after a structured clone, and invoke handlers answer the same way, or
// reject in the renderer with Electron's "Error invoking remote method" message.
import { EventEmitter } from 'node:events';
import { changed, problem, reportState } from './control';
import { electronEvent, emitNative } from './events';
import { strict } from './strict';
import { decodeClone, encodeClone } from './structured-clone';
import type { WebContents, WebFrameMain } from './browser-window';

type InvokeHandler = (event: unknown, ...args: unknown[]) => unknown;

class IpcMain extends EventEmitter {
  private readonly _handlers = new Map<string, InvokeHandler>();

  handle(channel: string, listener: InvokeHandler): void {
    if (typeof channel !== 'string') throw new TypeError('channel must be a string');
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    if (this._handlers.has(channel)) {
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    }
    this._handlers.set(channel, listener);
    changed();
  }

  handleOnce(channel: string, listener: InvokeHandler): void {
    this.handle(channel, (event, ...args) => {
      this.removeHandler(channel);
      return listener(event, ...args);
    });
  }

  removeHandler(channel: string): void {
    this._handlers.delete(channel);
    changed();
  }

  _handlerChannels(): string[] {
    return [...this._handlers.keys()];
  }

  /** A window's ipcRenderer.send. */
  _received(
    sender: WebContents,
    frame: () => WebFrameMain | null,
    channel: string,
    payload: unknown,
  ): void {
    const args = decodeClone(payload) as unknown[];
    const event = electronEvent({
      type: 'frame',
      sender,
      frameId: 1,
      processId: sender.getProcessId(),
      returnValue: undefined,
      ports: [],
      reply: (replyChannel: string, ...replyArgs: unknown[]) =>
        sender.send(replyChannel, ...replyArgs),
    });
    Object.defineProperty(event, 'senderFrame', { get: frame, enumerable: true });
    emitNative(this, channel, event, ...args);
  }

  /** A window's ipcRenderer.invoke: the handler's result, or the error the renderer gets. */
  async _invoked(
    sender: WebContents,
    frame: () => WebFrameMain | null,
    channel: string,
    payload: unknown,
  ): Promise<{ result: unknown } | { error: string }> {
    const handler = this._handlers.get(channel);
    if (!handler) return { error: `Error: No handler registered for '${channel}'` };
    const args = decodeClone(payload) as unknown[];
    const event = electronEvent({
      type: 'frame',
      sender,
      frameId: 1,
      processId: sender.getProcessId(),
    });
    Object.defineProperty(event, 'senderFrame', { get: frame, enumerable: true });
    let result: unknown;
    try {
      result = await handler(event, ...args);
    } catch (error) {
      return { error: String(error) };
    }
    try {
      return { result: encodeClone(structuredClone(result)) };
    } catch (error) {
      problem(
        `ipcMain.handle('${channel}') answered with something that cannot be cloned: ${String(error)}`,
      );
      return { error: 'Error: An object could not be cloned.' };
    }
  }
}

export const ipcMain = new IpcMain();
export const strictIpcMain = strict(ipcMain, 'ipcMain');

reportState(() => ({
  ipcMain: {
    handlers: ipcMain._handlerChannels(),
    listeners: ipcMain.eventNames().filter((name): name is string => typeof name === 'string'),
  },
}));
