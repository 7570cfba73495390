// The renderer's only door into the main process: `window.airlock` (src/shared/bridge.ts) with
// `call` for the contract's commands and `on` for its events, never raw ipcRenderer. It is a
// sandboxed classic script, so it imports names only: the contract's schemas (zod) stay in main,
// which validates every input and checks every message's sender.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AppEvent } from '../shared/contract';
import { IPC_CHANNELS, type AirlockBridge, type BridgeResult } from '../shared/bridge';
import { COMMAND_NAMES, EVENT_NAMES } from '../shared/command-names';

const commands: ReadonlySet<string> = new Set(COMMAND_NAMES);
const events: ReadonlySet<string> = new Set(EVENT_NAMES);
const listeners = new Set<(event: AppEvent) => void>();

function forward(_ipcEvent: IpcRendererEvent, event: AppEvent): void {
  if (typeof event?.name !== 'string' || !events.has(event.name)) return;
  // Snapshot, so a listener that unsubscribes (or subscribes) while being called changes nothing now.
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (error) {
      console.error(`airlock: an event listener failed on ${event.name}`, error);
    }
  }
}

const api: AirlockBridge = {
  call(command, input) {
    if (typeof command !== 'string' || !commands.has(command)) {
      const result: BridgeResult<never> = {
        ok: false,
        error: { code: 'not_found', message: `Unknown command "${String(command)}".` },
      };
      return Promise.resolve(result);
    }
    return ipcRenderer.invoke(IPC_CHANNELS.call, command, input);
  },

  on(listener) {
    if (typeof listener !== 'function') throw new TypeError('airlock.on needs a function.');
    // Each call gets its own entry, so the same function given twice is removed once per call.
    const entry = (event: AppEvent) => listener(event);
    if (listeners.size === 0) {
      ipcRenderer.on(IPC_CHANNELS.event, forward);
      ipcRenderer.send(IPC_CHANNELS.subscribe);
    }
    listeners.add(entry);
    return () => {
      if (!listeners.delete(entry) || listeners.size > 0) return;
      ipcRenderer.removeListener(IPC_CHANNELS.event, forward);
      ipcRenderer.send(IPC_CHANNELS.unsubscribe);
    };
  },
};

contextBridge.exposeInMainWorld('airlock', api);
