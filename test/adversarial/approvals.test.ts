// Issue 10, held calls: a call waiting for a person runs at most once, only on a person's answer
// given in time, never after its client withdrew it or Airlock died, and never on an answer the
// agent gives itself. Every call goes through the real endpoint to the recording stdio server,
// whose echo answers with the arguments it read, so each test sees what the agent got, what the
// server read and the history row.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addGrant,
  apiCall,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  REPO_ROOT,
  TEST_UI_TOKEN,
} from '../helpers/airlock-harness';
import { openEventStream, type EventStream } from '../helpers/event-stream';
import { startHostileAirlock, type HostileAirlock } from '../helpers/hostile-upstream';
import {
  mcpHeaders,
  messagesOf,
  rawRequest,
  RawMcpSession,
  type RawResponse,
} from '../helpers/raw-mcp';
import { FakeClock } from '../main/core/fakes';
import {
  mountIpcApi,
  trustedRendererCheck,
  type IpcApiDeps,
} from '../../src/main/adapters/electron/ipc-api';
import { IPC_CHANNELS, type BridgeResult } from '../../src/shared/bridge';
import type { Approval } from '../../src/shared/contract';
import type { CallRecord } from '../../src/main/core/history/types';
import { silentLogger } from '../../src/main/core/ports';

const POLICY = {
  version: '1',
  default: 'deny',
  tools: {
    echo: { action: 'require_approval', approval: { timeout: '1m' } },
    // Echoes too; held, and at most two may run in an hour whatever a person answers.
    provision_api_key: {
      action: 'require_approval',
      limits: [{ counter: 'keys', window: 'hour', max: 2 }],
    },
  },
};

type Answer = {
  result?: { isError?: boolean; content?: { text?: string }[] };
  error?: { code: number; message: string };
};

function textOf(answer: Answer): string {
  return answer.result?.content?.[0]?.text ?? '';
}

let markers = 0;
function marker(): string {
  return `m${++markers}-${Math.random().toString(36).slice(2, 8)}`;
}

/** How many tools/calls carrying `mark` the server has read. */
function runsUpstream(airlock: HostileAirlock, mark: string): number {
  return airlock
    .upstreamLines()
    .filter(
      (line) =>
        line.message?.method === 'tools/call' &&
        (line.message.params as { arguments?: { marker?: unknown } }).arguments?.marker === mark,
    ).length;
}

interface HeldCall {
  mark: string;
  requestId: string;
  approval: Approval;
  /** The agent's answer, once the call is settled. */
  answer: Promise<Answer>;
  /** Everything the agent's request got back (progress notifications, then the answer). */
  response: Promise<RawResponse>;
}

/** Sends an echo call that the policy holds, and waits until Airlock says it is held. */
async function holdCall(
  session: RawMcpSession,
  events: EventStream,
  extra: Record<string, unknown> = {},
  tool = 'echo',
): Promise<HeldCall> {
  const mark = marker();
  const requestId = `call-${mark}`;
  const since = events.events.length;
  const response = session.post(
    JSON.stringify({
      jsonrpc: '2.0',
      id: requestId,
      method: 'tools/call',
      params: { name: tool, arguments: { marker: mark }, ...extra },
    }),
  );
  const answer = response.then((received) => messagesOf(received).at(-1) as Answer);
  const added = await events.next(
    (event) =>
      event.name === 'approval.added' &&
      (event.data.approval.args as { marker?: unknown }).marker === mark,
    since,
  );
  if (added.event.name !== 'approval.added') throw new Error('unexpected event');
  return { mark, requestId, approval: added.event.data.approval, answer, response };
}

/** The app API's answer over HTTP, as the browser UI sends it: status and body. */
async function decideOverHttp(
  url: string,
  input: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/api/approvals.decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_UI_TOKEN}` },
    body: JSON.stringify(input),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function rowOf(airlock: HostileAirlock, callId: number): Promise<CallRecord> {
  return (await apiCall(airlock.runtime, 'history.get', { id: callId })).call;
}

describe('held calls on the real runtime', () => {
  let airlock: HostileAirlock;
  let session: RawMcpSession;
  let events: EventStream;

  beforeAll(async () => {
    airlock = await startHostileAirlock({ policy: POLICY });
    events = await openEventStream(airlock.runtime.url);
    session = await RawMcpSession.open(airlock.endpoint, airlock.token);
  });

  afterAll(async () => {
    events?.close();
    await session?.close();
    await airlock?.close();
  });

  describe('two answers at once', () => {
    it('allow and deny racing over HTTP: exactly one wins, and the call runs only if it was allow', async () => {
      const held = await Promise.all(Array.from({ length: 8 }, () => holdCall(session, events)));
      const races = await Promise.all(
        held.map(({ approval }) =>
          Promise.all([
            decideOverHttp(airlock.runtime.url, { id: approval.id, decision: 'allow' }),
            decideOverHttp(airlock.runtime.url, { id: approval.id, decision: 'deny' }),
          ]),
        ),
      );
      await session.request('ping');
      for (const [index, [allow, deny]] of races.entries()) {
        const call = held[index]!;
        expect([allow.status, deny.status].sort()).toEqual([200, 409]);
        const allowed = allow.status === 200;
        const loser = allowed ? deny : allow;
        expect(loser.body).toEqual({
          error: {
            code: 'conflict',
            message: `That call is no longer waiting: it was already ${allowed ? 'allowed' : 'denied'}.`,
          },
        });
        const answer = await call.answer;
        if (allowed) expect(JSON.parse(textOf(answer))).toEqual({ marker: call.mark });
        else expect(textOf(answer)).toBe('Airlock refused "echo": a person denied the call.');
        expect(runsUpstream(airlock, call.mark)).toBe(allowed ? 1 : 0);
        expect(await rowOf(airlock, call.approval.callId)).toMatchObject({
          decision: allowed ? 'allow' : 'deny',
          decidedBy: 'person',
          status: allowed ? 'ok' : 'not_run',
        });
      }
    });

    it('allow over HTTP and allow over IPC together: one is taken, the call runs once', async () => {
      // The app's window answers through the IPC adapter, mounted here on the same dispatcher.
      const handlers = new Map<string, (...args: unknown[]) => unknown>();
      const ipcMain = {
        handle: (channel: string, listener: (...args: unknown[]) => unknown) =>
          handlers.set(channel, listener),
        removeHandler: (channel: string) => handlers.delete(channel),
        on: () => ipcMain,
        removeListener: () => ipcMain,
      };
      const unmount = mountIpcApi({
        ipcMain: ipcMain as unknown as IpcApiDeps['ipcMain'],
        dispatcher: airlock.runtime.api,
        isTrustedSender: trustedRendererCheck(),
        logger: silentLogger,
      });
      const windowEvent = {
        senderFrame: { url: 'app://airlock/index.html', parent: null },
      };
      const ipcDecide = (input: Record<string, unknown>) =>
        handlers.get(IPC_CHANNELS.call)!(windowEvent, 'approvals.decide', input) as Promise<
          BridgeResult<unknown>
        >;
      try {
        const held = await Promise.all(Array.from({ length: 8 }, () => holdCall(session, events)));
        const races = await Promise.all(
          held.map(({ approval }) =>
            Promise.all([
              decideOverHttp(airlock.runtime.url, { id: approval.id, decision: 'allow' }),
              ipcDecide({ id: approval.id, decision: 'allow' }),
            ]),
          ),
        );
        await session.request('ping');
        for (const [index, [overHttp, overIpc]] of races.entries()) {
          const call = held[index]!;
          // Exactly one answer was taken; the other was told the call was already allowed.
          expect([overHttp.status === 200, overIpc.ok].filter(Boolean)).toHaveLength(1);
          const refused = overIpc.ok ? overHttp.body.error : (overIpc as { error: unknown }).error;
          expect(refused).toEqual({
            code: 'conflict',
            message: 'That call is no longer waiting: it was already allowed.',
          });
          expect(JSON.parse(textOf(await call.answer))).toEqual({ marker: call.mark });
          expect(runsUpstream(airlock, call.mark)).toBe(1);
        }
      } finally {
        unmount();
      }
    });

    it('four held calls allowed at once under a limit of two: two run, two are refused', async () => {
      // Held calls are counted when they run, so all four were held; a person cannot lift a
      // hard limit by answering quickly.
      const held = await Promise.all(
        Array.from({ length: 4 }, () => holdCall(session, events, {}, 'provision_api_key')),
      );
      const answers = await Promise.all(
        held.map(({ approval }) =>
          decideOverHttp(airlock.runtime.url, { id: approval.id, decision: 'allow' }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
      const results = await Promise.all(held.map((call) => call.answer));
      await session.request('ping');
      const ran = held.filter((call) => runsUpstream(airlock, call.mark) === 1);
      expect(ran).toHaveLength(2);
      for (const [index, call] of held.entries()) {
        const result = results[index]!;
        if (ran.includes(call)) {
          expect(JSON.parse(textOf(result))).toEqual({ marker: call.mark });
          continue;
        }
        expect(textOf(result)).toMatch(
          /^Airlock refused "provision_api_key": rate limit "keys" allows 2 calls per hour per grant/,
        );
        expect(await rowOf(airlock, call.approval.callId)).toMatchObject({
          decision: 'deny',
          decidedBy: 'airlock',
          reason: expect.stringContaining('rate limit "keys" allows 2 calls per hour'),
          status: 'not_run',
        });
      }
    });
  });

  describe('a client that leaves', () => {
    it('withdraws a held call it cancels: recorded, never run, no longer answerable', async () => {
      const call = await holdCall(session, events);
      const cancel = await session.post(
        JSON.stringify({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: call.requestId, reason: 'changed my mind' },
        }),
      );
      expect(cancel.status).toBe(202);
      expect(textOf(await call.answer)).toBe(
        'Airlock did not run "echo": the client cancelled the call while it was held.',
      );
      const late = await decideOverHttp(airlock.runtime.url, {
        id: call.approval.id,
        decision: 'allow',
      });
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({ error: { message: expect.stringContaining('cancelled') } });
      await session.request('ping');
      expect(runsUpstream(airlock, call.mark)).toBe(0);
      // The server never saw the request, so it is not told of its cancellation either.
      expect(airlock.upstreamLines().some((line) => line.text.includes(call.requestId))).toBe(
        false,
      );
      expect(await rowOf(airlock, call.approval.callId)).toMatchObject({
        decision: 'deny',
        decidedBy: 'cancel',
        status: 'not_run',
      });
    });

    it('takes no cancellation from another session, even for the same request id', async () => {
      const call = await holdCall(session, events);
      const other = await RawMcpSession.open(airlock.endpoint, airlock.token);
      await other.post(
        JSON.stringify({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: call.requestId },
        }),
      );
      await other.request('ping');
      expect(
        (await apiCall(airlock.runtime, 'approvals.list', {})).approvals.map((a) => a.id),
      ).toContain(call.approval.id);
      await apiCall(airlock.runtime, 'approvals.decide', {
        id: call.approval.id,
        decision: 'allow',
      });
      expect(JSON.parse(textOf(await call.answer))).toEqual({ marker: call.mark });
      await other.close();
    });

    it('withdraws a held call whose connection drops: recorded, never run', async () => {
      const mark = marker();
      const since = events.events.length;
      const request = http.request(airlock.endpoint, {
        method: 'POST',
        headers: { ...mcpHeaders(airlock.token), 'mcp-session-id': session.id },
      });
      request.on('error', () => {});
      request.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: `drop-${mark}`,
          method: 'tools/call',
          params: { name: 'echo', arguments: { marker: mark } },
        }),
      );
      const added = await events.next(
        (event) =>
          event.name === 'approval.added' &&
          (event.data.approval.args as { marker?: unknown }).marker === mark,
        since,
      );
      if (added.event.name !== 'approval.added') throw new Error('unexpected event');
      const { approval } = added.event.data;
      request.destroy();
      const resolved = await events.next(
        (event) => event.name === 'approval.resolved' && event.data.approval.id === approval.id,
        since,
      );
      expect(resolved.event.data).toMatchObject({
        outcome: { outcome: 'withdrawn', by: 'disconnect' },
      });
      expect(
        (await decideOverHttp(airlock.runtime.url, { id: approval.id, decision: 'allow' })).status,
      ).toBe(409);
      await session.request('ping');
      expect(runsUpstream(airlock, mark)).toBe(0);
      expect(await rowOf(airlock, approval.callId)).toMatchObject({
        decision: 'deny',
        decidedBy: 'disconnect',
        status: 'not_run',
      });
    });

    it('withdraws a held call whose session the client closes', async () => {
      const own = await RawMcpSession.open(airlock.endpoint, airlock.token);
      const call = await holdCall(own, events);
      expect((await own.close()).status).toBe(200);
      expect(textOf(await call.answer)).toBe(
        'Airlock did not run "echo": the client disconnected while the call was held.',
      );
      expect(
        (await decideOverHttp(airlock.runtime.url, { id: call.approval.id, decision: 'allow' }))
          .status,
      ).toBe(409);
      expect(runsUpstream(airlock, call.mark)).toBe(0);
      expect(await rowOf(airlock, call.approval.callId)).toMatchObject({
        decidedBy: 'disconnect',
        status: 'not_run',
      });
    });
  });

  describe('an agent answering its own held call', () => {
    it('is refused on every endpoint it can reach, and never learns the UI token', async () => {
      const { url } = airlock.runtime;
      const call = await holdCall(session, events, { _meta: { progressToken: 'p1' } });
      const decide = JSON.stringify({ id: call.approval.id, decision: 'allow' });
      const json = { 'content-type': 'application/json' };
      const bearer = { authorization: `Bearer ${airlock.token}` };
      const seen: string[] = [];
      const attempt = async (path: string, init: Parameters<typeof rawRequest>[1]) => {
        const response = await rawRequest(`${url}${path}`, { timeoutMs: 5_000, ...init });
        seen.push(JSON.stringify(response.headers), response.body);
        return response.status;
      };

      // Its grant token, where the UI's token goes.
      expect(
        await attempt('/api/approvals.decide', { headers: { ...json, ...bearer }, body: decide }),
      ).toBe(401);
      // With the listener's own Origin, as if from the UI's page; and with a foreign one.
      expect(
        await attempt('/api/approvals.decide', {
          headers: { ...json, ...bearer, origin: url },
          body: decide,
        }),
      ).toBe(401);
      expect(
        await attempt('/api/approvals.decide', {
          headers: { ...json, ...bearer, origin: 'http://evil.example' },
          body: decide,
        }),
      ).toBe(403);
      // As a query parameter, which only the event stream reads, and only for the UI token.
      expect(
        await attempt(`/api/approvals.decide?token=${airlock.token}`, {
          headers: json,
          body: decide,
        }),
      ).toBe(401);
      expect(await attempt('/api/events', { method: 'GET', headers: bearer })).toBe(401);
      expect(await attempt(`/api/events?token=${airlock.token}`, { method: 'GET' })).toBe(401);
      // Paths that lead from the MCP endpoint to the API, and the API's path in capitals.
      for (const path of [
        '/mcp/../api/approvals.decide',
        '/mcp/hostile/../../api/approvals.decide',
        '/API/approvals.decide',
      ]) {
        expect([401, 404]).toContain(
          await attempt(path, { headers: { ...json, ...bearer }, body: decide }),
        );
      }

      // Over MCP: a made-up method reaches only the server, which has no such thing; a tool of
      // that name does not exist.
      const method = await session.request('approvals/decide', {
        id: call.approval.id,
        decision: 'allow',
      });
      expect(method.error?.code).toBe(-32601);
      const tool = await session.request('tools/call', {
        name: 'approvals.decide',
        arguments: { id: call.approval.id, decision: 'allow' },
      });
      expect(tool.error).toEqual({ code: -32602, message: 'Unknown tool: approvals.decide' });

      // Still held, still not run; a person's answer is what settles it.
      expect(
        (await apiCall(airlock.runtime, 'approvals.list', {})).approvals.map((a) => a.id),
      ).toContain(call.approval.id);
      expect(runsUpstream(airlock, call.mark)).toBe(0);
      await apiCall(airlock.runtime, 'approvals.decide', {
        id: call.approval.id,
        decision: 'deny',
      });
      expect(textOf(await call.answer)).toBe('Airlock refused "echo": a person denied the call.');

      // Nothing the agent received while its call was held (progress included), nor the tool
      // list, nor the file the stdio bridge reads to find Airlock, holds the UI token.
      const held = await call.response;
      expect(messagesOf(held).map((message) => message.method)).toContain('notifications/progress');
      const listing = await session.post(
        JSON.stringify({ jsonrpc: '2.0', id: 'listing', method: 'tools/list', params: {} }),
      );
      for (const response of [held, listing]) {
        seen.push(response.body, JSON.stringify(response.headers));
      }
      seen.push(readFileSync(join(airlock.dataDir, 'serve.json'), 'utf8'));
      expect(seen.join('\n')).not.toContain(TEST_UI_TOKEN);
    });
  });
});

describe('an answer at the edge of the timeout', () => {
  const clock = new FakeClock();
  let airlock: HostileAirlock;
  let session: RawMcpSession;
  let events: EventStream;

  beforeAll(async () => {
    airlock = await startHostileAirlock({ policy: POLICY, runtime: { clock, timers: clock } });
    events = await openEventStream(airlock.runtime.url);
    session = await RawMcpSession.open(airlock.endpoint, airlock.token);
  });

  afterAll(async () => {
    events?.close();
    await session?.close();
    await airlock?.close();
  });

  const TIMEOUT_TEXT =
    'Airlock refused "echo": no one approved the call within 1 min, so it was not run.';

  it('is refused a millisecond after the timeout fired, and nothing runs', async () => {
    const call = await holdCall(session, events);
    clock.advance(60_000);
    expect(textOf(await call.answer)).toBe(TIMEOUT_TEXT);
    clock.advance(1);
    const late = await decideOverHttp(airlock.runtime.url, {
      id: call.approval.id,
      decision: 'allow',
    });
    expect(late).toEqual({
      status: 409,
      body: {
        error: {
          code: 'conflict',
          message: 'That call is no longer waiting: no one answered in time and it was refused.',
        },
      },
    });
    await session.request('ping');
    expect(runsUpstream(airlock, call.mark)).toBe(0);
    expect(await rowOf(airlock, call.approval.callId)).toMatchObject({
      decidedBy: 'timeout',
      status: 'not_run',
    });
  });

  it('is refused a millisecond past the expiry when the timer has not fired yet', async () => {
    // The clock moves without the timer firing, as after the computer slept (timers stand still
    // then) or while the process was busy: the expiry the person was shown has passed.
    const call = await holdCall(session, events);
    clock.time = call.approval.expiresAt + 1;
    const late = await decideOverHttp(airlock.runtime.url, {
      id: call.approval.id,
      decision: 'allow',
    });
    expect(late.status).toBe(409);
    expect(textOf(await call.answer)).toBe(TIMEOUT_TEXT);
    await session.request('ping');
    expect(runsUpstream(airlock, call.mark)).toBe(0);
    expect(await rowOf(airlock, call.approval.callId)).toMatchObject({
      decision: 'deny',
      decidedBy: 'timeout',
      status: 'not_run',
    });
  });

  it('is taken a millisecond before the expiry, and the call runs once', async () => {
    const call = await holdCall(session, events);
    clock.advance(59_999);
    const answer = await decideOverHttp(airlock.runtime.url, {
      id: call.approval.id,
      decision: 'allow',
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(textOf(await call.answer))).toEqual({ marker: call.mark });
    clock.advance(1);
    await session.request('ping');
    expect(runsUpstream(airlock, call.mark)).toBe(1);
  });
});

describe('airlock serve killed while a call is held', () => {
  const BIN = join(REPO_ROOT, 'bin/airlock.js');
  const children: ChildProcess[] = [];
  let dataDir: string;
  let recordFile: string;

  beforeAll(() => {
    if (!existsSync(join(REPO_ROOT, 'out/main/cli.js'))) {
      throw new Error('run `npm run build` before these tests');
    }
    recordFile = join(mkdtempSync(join(tmpdir(), 'airlock-record-')), 'upstream.log');
    writeFileSync(recordFile, '');
    dataDir = makeDataDir(
      {
        mcpServers: {
          hostile: { ...fixtureCommand('hostile-server.ts'), env: { RECORD_FILE: recordFile } },
        },
      },
      { hostile: POLICY },
    );
  });

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    removeDataDir(dataDir);
    rmSync(dirname(recordFile), { recursive: true, force: true });
  });

  async function serve(): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--port', '0'], {
      env: { ...process.env, AIRLOCK_UI_TOKEN: TEST_UI_TOKEN },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(child);
    const lines = createInterface({ input: child.stdout! });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`airlock serve exited (${code})`)));
      lines.on('line', (line) => {
        const match = /^Airlock listening on (\S+)$/.exec(line);
        if (match) resolve(match[1]!);
      });
    });
    return { child, url };
  }

  it('records the call as never answered on the next start, and it never runs', async () => {
    const token = addGrant(dataDir, 'agent');
    const first = await serve();
    const session = await RawMcpSession.open(`${first.url}/mcp/hostile`, token);
    const held = session
      .post(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'echo', arguments: { marker: 'killed' } },
        }),
      )
      .catch((error: Error) => error);
    await expect
      .poll(async () => (await apiCall(first, 'approvals.list', {})).approvals.length)
      .toBe(1);
    const [approval] = (await apiCall(first, 'approvals.list', {})).approvals;

    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    // The agent is cut off mid-wait: no answer, so nothing it could take for an approval.
    expect(await held).toBeInstanceOf(Error);

    const second = await serve();
    const { calls } = await apiCall(second, 'history.query', {});
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      id: approval!.callId,
      tool: 'echo',
      decision: 'deny',
      decidedBy: 'restart',
      status: 'not_run',
    });
    expect((await apiCall(second, 'approvals.list', {})).approvals).toEqual([]);
    await expect(
      apiCall(second, 'approvals.decide', { id: approval!.id, decision: 'allow' }),
    ).rejects.toThrow(/HTTP 404/);
    // The server read the session's handshake (so the record works), and never the call.
    const upstream = readFileSync(recordFile, 'utf8');
    expect(upstream).toContain('"method":"initialize"');
    expect(upstream).not.toContain('killed');
    second.child.kill('SIGTERM');
  });
});
