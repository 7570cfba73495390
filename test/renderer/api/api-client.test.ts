import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, connectApi, httpApi } from '../../../src/renderer/src/api/api-client';

const BASE = 'http://127.0.0.1:7820';
const TOKEN = 'ui-token-0123456789abcdef';

/** An EventSource the test connects by hand. */
class FakeEventSource {
  static all: FakeEventSource[] = [];
  static get last(): FakeEventSource | undefined {
    return FakeEventSource.all.at(-1);
  }
  closed = false;
  private readonly handlers = new Map<string, ((event: unknown) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(name: string, handler: (event: unknown) => void) {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler]);
  }
  close() {
    this.closed = true;
  }
  fire(name: string, event: unknown = {}) {
    // A closed EventSource dispatches nothing more.
    if (this.closed) return;
    for (const handler of this.handlers.get(name) ?? []) handler(event);
  }
}

/** How the server at BASE answers GET /api/identity?nonce=... */
type Identity = (nonce: string) => Response | Promise<Response>;

function proofOf(key: string, port: string, nonce: string): string {
  return createHmac('sha256', key).update(`airlock-ui-identity:${port}:${nonce}`).digest('hex');
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });

const AIRLOCK: Identity = (nonce) => json({ proof: proofOf(TOKEN, '7820', nonce) });

interface Request {
  url: string;
  init?: RequestInit;
}

/**
 * Stands in for whatever listens at BASE: `identity` answers /api/identity, `command` the rest
 * (undefined: nothing answers, as with the port closed). Every request is kept.
 */
function fakeServer(commandAnswer: () => Response = () => json({ approvals: [] })) {
  const server = {
    identity: AIRLOCK as Identity | undefined,
    requests: [] as Request[],
    identityAsks: () => server.requests.filter((r) => r.url.includes('/api/identity')),
    commands: () => server.requests.filter((r) => !r.url.includes('/api/identity')),
    /** Requests that carry the token anywhere: URL, headers or body. */
    withToken: () => [
      ...server.requests.filter((r) => carriesToken(r)),
      ...FakeEventSource.all.filter((source) => source.url.includes(TOKEN)),
    ],
  };
  vi.stubGlobal('EventSource', FakeEventSource);
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    server.requests.push({ url, init });
    const identity = server.identity;
    if (identity === undefined) throw new TypeError('fetch failed');
    const parsed = new URL(url);
    if (parsed.pathname === '/api/identity') return identity(parsed.searchParams.get('nonce')!);
    return commandAnswer();
  });
  return server;
}

function carriesToken(request: Request): boolean {
  const headers = new Headers(request.init?.headers).entries();
  const seen = [request.url, ...Array.from(headers).flat(), String(request.init?.body ?? '')];
  return seen.some((text) => text.includes(TOKEN) || text.includes(encodeURIComponent(TOKEN)));
}

// Captured before any test fakes the timers: the HMAC is computed on Node's thread pool, which
// needs real turns of the event loop to finish.
const realSetTimeout = globalThis.setTimeout;

/** Waits until `condition` holds, moving the fake clock (if there is one) along meanwhile. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 2000 && !condition(); turn++) {
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(50);
    await new Promise((resolve) => realSetTimeout(resolve, 1));
  }
  if (!condition()) throw new Error(`gave up waiting for ${what}`);
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  FakeEventSource.all = [];
});

describe('the HTTP api client', () => {
  it('sends commands only once the event stream is connected, so nothing falls between a list and its events', async () => {
    const server = fakeServer();
    const api = httpApi(BASE, TOKEN);
    const events: string[] = [];
    api.on((event) => events.push(event.name));
    const listed = api.call('approvals.list', {});
    await until(() => FakeEventSource.all.length === 1, 'the stream');
    // A turn of the event loop: long enough for a command that did not wait to be sent.
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.commands()).toEqual([]);

    FakeEventSource.last!.fire('open');
    await expect(listed).resolves.toEqual({ approvals: [] });
    expect(server.commands().map((r) => r.url)).toEqual([`${BASE}/api/approvals.list`]);
    expect(FakeEventSource.last!.url).toBe(`${BASE}/api/events?token=${TOKEN}`);
    FakeEventSource.last!.fire('approval.resolved', { data: '{"approval": {}}' });
    expect(events).toEqual(['approval.resolved']);
  });

  it('does not hold commands back for long when the stream cannot connect', async () => {
    vi.useFakeTimers();
    fakeServer(() => json({ policies: [] }));
    const api = httpApi(BASE, TOKEN);
    api.on(() => {});
    const listed = api.call('policies.list', {});
    await until(() => FakeEventSource.all.length === 1, 'the stream');
    await vi.advanceTimersByTimeAsync(3000);
    await expect(listed).resolves.toEqual({ policies: [] });
  });

  it('says when the stream is back after a drop, not when it first connects', async () => {
    const { first, reconnects } = await connectedStream();
    expect(reconnects()).toBe(0);
    first.fire('error');
    first.fire('error');
    await until(() => FakeEventSource.all.length === 2, 'the stream again');
    expect(reconnects()).toBe(0);
    FakeEventSource.last!.fire('open');
    expect(reconnects()).toBe(1);
  });
});

/** An api on fake timers whose event stream has opened, counting the reconnections it reports. */
async function connectedStream() {
  vi.useFakeTimers();
  const server = fakeServer();
  const api = httpApi(BASE, TOKEN);
  let reconnects = 0;
  api.onReconnect?.(() => reconnects++);
  api.on(() => {});
  await until(() => FakeEventSource.all.length === 1, 'the stream');
  const first = FakeEventSource.last!;
  first.fire('open');
  return { server, api, first, reconnects: () => reconnects };
}

describe('the HTTP api client before it sends the UI token', () => {
  it.each<[string, Identity]>([
    [
      'a proof made with another token',
      (nonce) => json({ proof: proofOf('x'.repeat(24), '7820', nonce) }),
    ],
    // A squatter on the old port asking the real Airlock, now on 7821, and passing its answer on.
    [
      'the proof Airlock on another port gives',
      (nonce) => json({ proof: proofOf(TOKEN, '7821', nonce) }),
    ],
    ['its nonce back', (nonce) => json({ proof: nonce })],
    ['HTTP 404', () => json({ error: 'Not found.' }, 404)],
    ['a redirect', () => new Response(null, { status: 302, headers: { location: '/' } })],
  ])(
    'never sends the token to a server that answers %s, and says it is not that Airlock',
    async (_label, identity) => {
      vi.useFakeTimers();
      const server = fakeServer();
      server.identity = identity;
      const api = httpApi(BASE, TOKEN);
      api.on(() => {});
      const listed = api.call('approvals.list', {}).then(
        () => 'answered',
        (error: unknown) => error,
      );
      // It goes on trying, with a fresh nonce each time, and still hands nothing over.
      await until(() => server.identityAsks().length >= 3, 'three asks for a proof');
      const error = await listed;
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ code: 'unavailable' });
      expect((error as ApiError).message).toMatch(
        /not the Airlock that issued this page's link.*Open the address airlock serve printed/,
      );
      const asks = server.identityAsks();
      expect(asks.length).toBeGreaterThanOrEqual(3);
      expect(new Set(asks.map((r) => r.url)).size).toBe(asks.length);
      expect(server.commands()).toEqual([]);
      expect(FakeEventSource.all).toEqual([]);
      expect(server.withToken()).toEqual([]);
    },
  );

  it('says Airlock cannot be reached when nothing answers, and sends no token', async () => {
    const server = fakeServer();
    server.identity = undefined;
    const api = httpApi(BASE, TOKEN);
    await expect(api.call('approvals.list', {})).rejects.toMatchObject({
      code: 'unavailable',
      message: 'Airlock cannot be reached. Is airlock serve running?',
    });
    expect(server.withToken()).toEqual([]);
    expect(server.identityAsks()).toHaveLength(1);
  });

  it('asks the server again before each command when no event stream watches it', async () => {
    const server = fakeServer();
    const api = httpApi(BASE, TOKEN);
    await api.call('approvals.list', {});
    await api.call('approvals.list', {});
    expect(server.requests.map((r) => new URL(r.url).pathname)).toEqual([
      '/api/identity',
      '/api/approvals.list',
      '/api/identity',
      '/api/approvals.list',
    ]);
  });

  it('after the stream drops, sends no token until the server proves itself again, then reopens it', async () => {
    const { server, api, first, reconnects } = await connectedStream();
    await api.call('approvals.list', {});

    // Airlock stops; another program takes its port.
    server.identity = (nonce) =>
      json({ proof: proofOf('stolen-nothing-0123456789', '7820', nonce) });
    const before = server.requests.length;
    first.fire('error');
    // Closed at once, so the browser's EventSource does not reconnect by itself, token and all.
    expect(first.closed).toBe(true);
    await expect(api.call('approvals.list', {})).rejects.toThrow(/not the Airlock/);
    await until(() => server.requests.length >= before + 3, 'the stream to be retried');
    // Then nothing at all listens there for a while. (Once a retry has asked since, no proof
    // begun while the squatter answered is still under way for the command to join.)
    server.identity = undefined;
    const asked = server.requests.length;
    await until(() => server.requests.length > asked, 'a retry');
    await expect(api.call('approvals.list', {})).rejects.toThrow(/cannot be reached/);
    await until(() => server.requests.length >= asked + 3, 'more retries');
    const meanwhile = server.requests.slice(before);
    expect(meanwhile.every((r) => new URL(r.url).pathname === '/api/identity')).toBe(true);
    expect(meanwhile.filter(carriesToken)).toEqual([]);
    expect(FakeEventSource.all).toHaveLength(1);
    expect(reconnects()).toBe(0);

    // Airlock is back: it proves itself, the stream reopens, and the screens reload.
    server.identity = AIRLOCK;
    await until(() => FakeEventSource.all.length === 2, 'the stream to reopen');
    const second = FakeEventSource.last!;
    expect(second.url).toBe(`${BASE}/api/events?token=${TOKEN}`);
    expect(reconnects()).toBe(0);
    second.fire('open');
    expect(reconnects()).toBe(1);
    await expect(api.call('approvals.list', {})).resolves.toEqual({ approvals: [] });
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
