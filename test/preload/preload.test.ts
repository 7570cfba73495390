// The preload bridge with a mocked `electron`: it exposes `call` and `on` only, sends nothing for a
// name outside the contract, and hands listeners the app event alone, never the IPC event.
import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AirlockBridge } from '../../src/shared/bridge';
import { IPC_CHANNELS } from '../../src/shared/bridge';
import * as names from '../../src/shared/command-names';
import { COMMANDS } from '../../src/shared/contract';

class FakeIpcRenderer extends EventEmitter {
  invoke = vi.fn(async (..._args: unknown[]): Promise<unknown> => ({ ok: true, output: 'answer' }));
  send = vi.fn();
}

const ipcRenderer = new FakeIpcRenderer();
const exposed = new Map<string, unknown>();
const contextBridge = {
  exposeInMainWorld: vi.fn((key: string, value: unknown) => exposed.set(key, value)),
};

vi.mock('electron', () => ({ contextBridge, ipcRenderer }));

/** Loads the preload afresh, as each window does, and returns what it exposed. */
async function loadPreload(): Promise<AirlockBridge> {
  vi.resetModules();
  exposed.clear();
  ipcRenderer.removeAllListeners();
  ipcRenderer.invoke.mockClear();
  ipcRenderer.send.mockClear();
  await import('../../src/preload/index');
  return exposed.get('airlock') as AirlockBridge;
}

const ipcEvent = { sender: 'the IPC event', ports: [] };

beforeEach(() => {
  contextBridge.exposeInMainWorld.mockClear();
});

describe('the preload bridge', () => {
  it('exposes window.airlock with call and on only', async () => {
    const bridge = await loadPreload();
    expect(contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect([...exposed.keys()]).toEqual(['airlock']);
    expect(Object.keys(bridge).sort()).toEqual(['call', 'on']);
    expect(typeof bridge.call).toBe('function');
    expect(typeof bridge.on).toBe('function');
    expect(Object.values(bridge)).not.toContain(ipcRenderer);
  });

  it("sends a contract command and answers main's result", async () => {
    const bridge = await loadPreload();
    await expect(bridge.call('history.get', { id: 7 })).resolves.toEqual({
      ok: true,
      output: 'answer',
    });
    expect(ipcRenderer.invoke).toHaveBeenCalledWith(IPC_CHANNELS.call, 'history.get', { id: 7 });
  });

  it.each(['nope.nothing', '__proto__', 'toString', 'constructor', '', 42, undefined])(
    'answers %j as an unknown command without any IPC',
    async (command) => {
      const bridge = await loadPreload();
      await expect(bridge.call(command as never, {} as never)).resolves.toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
      expect(ipcRenderer.invoke).not.toHaveBeenCalled();
      expect(ipcRenderer.send).not.toHaveBeenCalled();
    },
  );

  it('subscribes once, passes listeners the event object only, and unsubscribes after the last', async () => {
    const bridge = await loadPreload();
    const first = vi.fn();
    const second = vi.fn();
    const stopFirst = bridge.on(first);
    const stopSecond = bridge.on(second);
    expect(ipcRenderer.send.mock.calls).toEqual([[IPC_CHANNELS.subscribe]]);
    expect(ipcRenderer.listenerCount(IPC_CHANNELS.event)).toBe(1);

    const event = { name: 'grants.changed', data: {} };
    ipcRenderer.emit(IPC_CHANNELS.event, ipcEvent, event);
    expect(first.mock.calls).toEqual([[event]]);
    expect(second.mock.calls).toEqual([[event]]);

    stopFirst();
    stopFirst();
    ipcRenderer.emit(IPC_CHANNELS.event, ipcEvent, event);
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(2);
    expect(ipcRenderer.send).toHaveBeenCalledTimes(1);

    stopSecond();
    expect(ipcRenderer.send.mock.calls).toEqual([
      [IPC_CHANNELS.subscribe],
      [IPC_CHANNELS.unsubscribe],
    ]);
    expect(ipcRenderer.listenerCount(IPC_CHANNELS.event)).toBe(0);

    bridge.on(first);
    expect(ipcRenderer.send).toHaveBeenLastCalledWith(IPC_CHANNELS.subscribe);
  });

  it('drops messages that are not contract events', async () => {
    const bridge = await loadPreload();
    const listener = vi.fn();
    bridge.on(listener);
    ipcRenderer.emit(IPC_CHANNELS.event, ipcEvent, { name: 'something.else', data: {} });
    ipcRenderer.emit(IPC_CHANNELS.event, ipcEvent, null);
    ipcRenderer.emit(IPC_CHANNELS.event, ipcEvent);
    expect(listener).not.toHaveBeenCalled();
  });

  it('keeps calling the other listeners when one throws', async () => {
    const bridge = await loadPreload();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const healthy = vi.fn();
    bridge.on(() => {
      throw new Error('broken listener');
    });
    bridge.on(healthy);
    ipcRenderer.emit(IPC_CHANNELS.event, ipcEvent, { name: 'grants.changed', data: {} });
    expect(healthy).toHaveBeenCalledTimes(1);
    expect(errors).toHaveBeenCalledTimes(1);
    errors.mockRestore();
  });
});

describe('the command names the preload uses', () => {
  it('are exactly the commands the contract defines', () => {
    expect([...names.COMMAND_NAMES].sort()).toEqual(Object.keys(COMMANDS).sort());
  });
});
