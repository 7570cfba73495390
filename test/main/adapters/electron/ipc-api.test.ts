// The IPC transport of the app API with a mocked `electron`: commands reach the dispatcher only
// from Airlock's own renderer, and pushed events reach only windows that subscribed and live.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { IpcMain } from 'electron';
import { JsonStringBytes } from '../../../../src/main/core/history/json-string-bytes';
import type { ApiDispatcher, DispatchResult } from '../../../../src/main/core/api/dispatcher';
import { EventBus } from '../../../../src/main/core/api/event-bus';
import type { Logger } from '../../../../src/main/core/ports';
import {
  FakeIpcMain,
  FakeWebContents,
  topFrame,
  type FakeFrame,
} from '../../../helpers/electron-fakes';

const ipcMain = new FakeIpcMain();
vi.mock('electron', () => ({ ipcMain }));

const { IPC_CHANNELS, mountIpcApi, trustedRendererCheck } =
  await import('../../../../src/main/adapters/electron/ipc-api');

const RENDERER_FILE = resolve('/app/out/renderer/index.html');
const RENDERER_URL = 'app://airlock/index.html';

/** An IPC event from a window's top frame showing `url`. */
function eventFrom(contents: FakeWebContents, frame: FakeFrame | null = contents.mainFrame) {
  return { sender: contents, senderFrame: frame };
}

function setup(options: { devUrl?: string } = {}) {
  const bus = new EventBus();
  const dispatch = vi.fn(async (command: string, input: unknown): Promise<DispatchResult> =>
    command === 'settings.get'
      ? { ok: true, output: { echo: input } }
      : { ok: false, error: { code: 'not_found', message: `Unknown command "${command}".` } },
  );
  const dispatcher: ApiDispatcher = { dispatch, subscribe: (listener) => bus.subscribe(listener) };
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() } satisfies Logger;
  const unmount = mountIpcApi({
    ipcMain: ipcMain as unknown as IpcMain,
    dispatcher,
    isTrustedSender: trustedRendererCheck(options),
    logger,
  });
  const call = (event: unknown, command: unknown, input?: unknown) =>
    ipcMain.handlers.get(IPC_CHANNELS.call)!(event, command, input) as Promise<DispatchResult>;
  const subscribe = (event: unknown) => ipcMain.emit(IPC_CHANNELS.subscribe, event);
  const unsubscribe = (event: unknown) => ipcMain.emit(IPC_CHANNELS.unsubscribe, event);
  return { bus, dispatch, logger, unmount, call, subscribe, unsubscribe };
}

beforeEach(() => {
  ipcMain.handlers.clear();
  ipcMain.removeAllListeners();
});

describe('commands over IPC', () => {
  it('runs a command from the renderer through the dispatcher and answers its result', async () => {
    const { call, dispatch } = setup();
    const window = new FakeWebContents(topFrame(RENDERER_URL));
    await expect(call(eventFrom(window), 'settings.get', { a: 1 })).resolves.toEqual({
      ok: true,
      output: { echo: { a: 1 } },
    });
    expect(dispatch).toHaveBeenCalledWith('settings.get', { a: 1 });
  });

  it('answers a failure as data, not as a thrown error', async () => {
    const { call } = setup();
    const window = new FakeWebContents(topFrame(RENDERER_URL));
    await expect(call(eventFrom(window), 'nope.nothing', {})).resolves.toEqual({
      ok: false,
      error: { code: 'not_found', message: 'Unknown command "nope.nothing".' },
    });
    await expect(call(eventFrom(window), 42, {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it("hands the renderer an export's text as a string, not the bytes the HTTP API writes", async () => {
    const { call, dispatch } = setup();
    const content = JsonStringBytes.encode('id,tool\n1,"read_file"\n');
    dispatch.mockResolvedValueOnce({ ok: true, output: { filename: 'a.csv', content, rows: 1 } });
    const window = new FakeWebContents(topFrame(RENDERER_URL));
    await expect(call(eventFrom(window), 'history.export', { format: 'csv' })).resolves.toEqual({
      ok: true,
      output: { filename: 'a.csv', content: 'id,tool\n1,"read_file"\n', rows: 1 },
    });
  });

  it('answers a dispatcher that throws with an internal error and logs it', async () => {
    const { call, dispatch, logger } = setup();
    dispatch.mockRejectedValueOnce(new Error('boom: /secret/path'));
    const window = new FakeWebContents(topFrame(RENDERER_URL));
    await expect(call(eventFrom(window), 'settings.get', {})).resolves.toEqual({
      ok: false,
      error: { code: 'unavailable', message: 'Internal error.' },
    });
    expect(logger.error).toHaveBeenCalled();
  });

  it('accepts the renderer with a query or hash', async () => {
    const { call, dispatch } = setup();
    const window = new FakeWebContents(topFrame(`${RENDERER_URL}?x=1#/history`));
    await expect(call(eventFrom(window), 'settings.get', {})).resolves.toMatchObject({ ok: true });
    expect(dispatch).toHaveBeenCalledTimes(1);
  });

  const untrusted: [string, FakeFrame | null | 'throws'][] = [
    ['a web page', topFrame('https://evil.example/')],
    ['no sender frame', null],
    ['a frame that was disposed', 'throws'],
    ['the built renderer as a file', topFrame(pathToFileURL(RENDERER_FILE).href)],
    ['a file beside the app', topFrame(pathToFileURL(resolve('/tmp/index.html')).href)],
    ['another host of the app scheme', topFrame('app://evil/index.html')],
    ['another scheme', topFrame('apps://airlock/index.html')],
    ['a user name before the host', topFrame('app://airlock@evil/index.html')],
    ['a subframe showing the renderer', { url: RENDERER_URL, parent: topFrame(RENDERER_URL) }],
    ['about:blank', topFrame('about:blank')],
    ['an empty URL', topFrame('')],
  ];

  it.each(untrusted)('refuses %s without calling the dispatcher', async (_label, frame) => {
    const { call, dispatch, logger } = setup();
    const window = new FakeWebContents(topFrame(RENDERER_URL));
    const event =
      frame === 'throws'
        ? {
            sender: window,
            get senderFrame(): FakeFrame {
              throw new Error('Render frame was disposed before WebFrameMain could be accessed');
            },
          }
        : eventFrom(window, frame);
    await expect(call(event, 'settings.get', {})).resolves.toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'Refused: this window may not call Airlock.' },
    });
    expect(dispatch).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(
      'refused an IPC message from an untrusted sender',
      expect.objectContaining({ channel: IPC_CHANNELS.call }),
    );
  });

  it('under the dev server, trusts its origin only', async () => {
    const { call, dispatch } = setup({ devUrl: 'http://localhost:5173/' });
    const dev = new FakeWebContents(topFrame('http://localhost:5173/#/approvals'));
    await expect(call(eventFrom(dev), 'settings.get', {})).resolves.toMatchObject({ ok: true });
    for (const url of [RENDERER_URL, 'http://localhost:5174/', 'http://127.0.0.1:5173/']) {
      const other = new FakeWebContents(topFrame(url));
      await expect(call(eventFrom(other), 'settings.get', {})).resolves.toMatchObject({
        ok: false,
      });
    }
    expect(dispatch).toHaveBeenCalledTimes(1);
  });

  it('treats an empty dev URL as none, as the window does', () => {
    const check = trustedRendererCheck({ devUrl: '' });
    expect(check({ senderFrame: topFrame(RENDERER_URL) } as never)).toBe(true);
  });
});

describe('events over IPC', () => {
  it('pushes every event to a subscribed window until it is destroyed', () => {
    const { bus, subscribe } = setup();
    const window = new FakeWebContents(topFrame(RENDERER_URL));
    const idle = new FakeWebContents(topFrame(RENDERER_URL));
    subscribe(eventFrom(window));
    bus.emit('grants.changed', {});
    expect(window.sent).toEqual([[IPC_CHANNELS.event, { name: 'grants.changed', data: {} }]]);
    expect(idle.sent).toEqual([]);

    window.destroy();
    expect(bus.active).toBe(false);
    expect(window.listenerCount('destroyed')).toBe(0);
    expect(() => bus.emit('grants.changed', {})).not.toThrow();
    expect(window.sent).toHaveLength(1);
  });

  it('never sends to a window already destroyed, even before it says so', () => {
    const { bus, subscribe, logger } = setup();
    const window = new FakeWebContents(topFrame(RENDERER_URL));
    subscribe(eventFrom(window));
    window.destroyed = true;
    bus.emit('grants.changed', {});
    expect(window.sent).toEqual([]);
    expect(bus.active).toBe(false);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('stops when the window unsubscribes, and subscribing twice sends each event once', () => {
    const { bus, subscribe, unsubscribe } = setup();
    const window = new FakeWebContents(topFrame(RENDERER_URL));
    subscribe(eventFrom(window));
    subscribe(eventFrom(window));
    bus.emit('grants.changed', {});
    expect(window.sent).toHaveLength(1);

    unsubscribe(eventFrom(window));
    expect(bus.active).toBe(false);
    expect(window.listenerCount('destroyed')).toBe(0);
    bus.emit('grants.changed', {});
    expect(window.sent).toHaveLength(1);

    subscribe(eventFrom(window));
    bus.emit('grants.changed', {});
    expect(window.sent).toHaveLength(2);
  });

  it('refuses subscriptions and unsubscriptions from untrusted senders', () => {
    const { bus, subscribe, unsubscribe, logger } = setup();
    const stranger = new FakeWebContents(topFrame('https://evil.example/'));
    subscribe(eventFrom(stranger));
    expect(bus.active).toBe(false);

    const window = new FakeWebContents(topFrame(RENDERER_URL));
    subscribe(eventFrom(window));
    // A subframe of the app's window may not end the window's subscription.
    unsubscribe(eventFrom(window, { url: 'https://ads.example/', parent: window.mainFrame }));
    bus.emit('grants.changed', {});
    expect(window.sent).toHaveLength(1);
    expect(stranger.sent).toEqual([]);
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });

  it('stops pushing to a window that no longer shows the renderer', () => {
    const { bus, subscribe } = setup();
    const window = new FakeWebContents(topFrame(RENDERER_URL));
    subscribe(eventFrom(window));
    window.mainFrame = topFrame('https://evil.example/');
    bus.emit('grants.changed', {});
    expect(window.sent).toEqual([]);
    expect(bus.active).toBe(false);
  });
});

describe('unmounting', () => {
  it('removes every channel and ends every subscription', () => {
    const { bus, subscribe, unmount } = setup();
    const window = new FakeWebContents(topFrame(RENDERER_URL));
    subscribe(eventFrom(window));
    expect(ipcMain.handlers.has(IPC_CHANNELS.call)).toBe(true);

    unmount();
    expect(ipcMain.handlers.size).toBe(0);
    expect(ipcMain.eventNames()).toEqual([]);
    expect(bus.active).toBe(false);
    expect(window.listenerCount('destroyed')).toBe(0);
    bus.emit('grants.changed', {});
    expect(window.sent).toEqual([]);
    // Mounting again works, as it would not with a handler left behind.
    expect(() => setup()).not.toThrow();
  });

  it('uses only the declared channels', () => {
    setup();
    const used = [...ipcMain.handlers.keys(), ...ipcMain.eventNames()].sort();
    expect(used).toEqual(
      [IPC_CHANNELS.call, IPC_CHANNELS.subscribe, IPC_CHANNELS.unsubscribe].sort(),
    );
    expect(Object.values(IPC_CHANNELS).every((name) => name.startsWith('airlock:'))).toBe(true);
  });
});
