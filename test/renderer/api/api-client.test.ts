import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectApi, httpApi } from '../../../src/renderer/src/api/api-client';

/** An EventSource the test connects by hand. */
class FakeEventSource {
  static last?: FakeEventSource;
  private readonly handlers = new Map<string, ((event: unknown) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(name: string, handler: (event: unknown) => void) {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler]);
  }
  close() {}
  fire(name: string, event: unknown = {}) {
    for (const handler of this.handlers.get(name) ?? []) handler(event);
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('the HTTP api client', () => {
  it('sends commands only once the event stream is connected, so nothing falls between a list and its events', async () => {
    const sent: string[] = [];
    vi.stubGlobal('EventSource', FakeEventSource);
    vi.stubGlobal('fetch', async (url: string) => {
      sent.push(url);
      return new Response(JSON.stringify({ approvals: [] }), { status: 200 });
    });
    const api = httpApi('http://127.0.0.1:1', 'ui-token-0123456789abcdef');
    const events: string[] = [];
    api.on((event) => events.push(event.name));
    const listed = api.call('approvals.list', {});
    // A turn of the event loop: long enough for a command that did not wait to be sent.
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([]);

    FakeEventSource.last!.fire('open');
    await expect(listed).resolves.toEqual({ approvals: [] });
    expect(sent).toEqual(['http://127.0.0.1:1/api/approvals.list']);
    expect(FakeEventSource.last!.url).toBe(
      'http://127.0.0.1:1/api/events?token=ui-token-0123456789abcdef',
    );
    FakeEventSource.last!.fire('approval.resolved', { data: '{"approval": {}}' });
    expect(events).toEqual(['approval.resolved']);
  });

  it('does not hold commands back for long when the stream cannot connect', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('EventSource', FakeEventSource);
    vi.stubGlobal('fetch', async () => new Response('{"policies": []}', { status: 200 }));
    const api = httpApi('http://127.0.0.1:1', 'ui-token-0123456789abcdef');
    api.on(() => {});
    const listed = api.call('policies.list', {});
    await vi.advanceTimersByTimeAsync(3000);
    await expect(listed).resolves.toEqual({ policies: [] });
  });

  it('says when the stream is back after a drop, not when it first connects', async () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    const api = httpApi('http://127.0.0.1:1', 'ui-token-0123456789abcdef');
    let reconnects = 0;
    api.onReconnect?.(() => reconnects++);
    api.on(() => {});
    const stream = FakeEventSource.last!;
    stream.fire('open');
    expect(reconnects).toBe(0);
    stream.fire('error');
    stream.fire('error');
    stream.fire('open');
    expect(reconnects).toBe(1);
  });
});

describe('connectApi', () => {
  /** The parts of a window connectApi reads. */
  function windowWith(hash: string, bridge?: unknown) {
    const storage = new Map<string, string>();
    return {
      airlock: bridge,
      location: { hash, pathname: '/', search: '', origin: 'http://127.0.0.1:7820' },
      history: { replaceState: () => {} },
      sessionStorage: {
        getItem: (key: string) => storage.get(key) ?? null,
        setItem: (key: string, value: string) => void storage.set(key, value),
      },
    } as unknown as Window;
  }

  it('says which transport the window has, so only a browser tab raises its own alerts', () => {
    const bridge = { call: async () => ({ ok: true, output: {} }), on: () => () => {} };
    expect(connectApi(windowWith('', bridge))).toMatchObject({ transport: 'ipc' });
    expect(connectApi(windowWith('#token=ui-token-0123456789abcdef'))).toMatchObject({
      transport: 'http',
    });
    expect(connectApi(windowWith(''))).toHaveProperty('error');
  });
});
