// Pause Airlock: while paused every tools/call is refused, recorded as decided by the pause, and
// nothing reaches the server; the pause outlives a restart, and resuming lets calls through.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, startAirlock } from '../helpers/airlock-harness';
import { openEventStream } from '../helpers/event-stream';
import { startHostileAirlock, type HostileAirlock } from '../helpers/hostile-upstream';
import { RawMcpSession } from '../helpers/raw-mcp';
import type { Runtime } from '../../src/main/runtime';

let airlock: HostileAirlock;
let runtime: Runtime;

beforeAll(async () => {
  airlock = await startHostileAirlock({ policy: { version: '1', default: 'allow' } });
  runtime = airlock.runtime;
});

afterAll(async () => {
  await runtime?.close();
  await airlock?.close();
});

async function echo(session: RawMcpSession, text: string) {
  return session.request('tools/call', { name: 'echo', arguments: { text } });
}

describe('pausing Airlock', () => {
  it('refuses every call, records it as decided by the pause, and runs nothing until resumed', async () => {
    const events = await openEventStream(runtime.url);
    const session = await RawMcpSession.open(airlock.endpoint, airlock.token);
    expect((await apiCall(runtime, 'pause.get', {})).pause).toEqual({ paused: false });

    const { pause } = await apiCall(runtime, 'pause.set', { paused: true });
    expect(pause).toEqual({ paused: true, since: expect.any(Number) });
    await events.next((event) => event.name === 'pause.changed');

    const refused = await echo(session, 'while paused');
    const text = JSON.stringify(refused.result);
    expect(text).toContain('Airlock is paused: every call is refused until a person resumes it');
    expect(refused.result).toMatchObject({ isError: true });
    expect(airlock.toolCallsUpstream()).toEqual([]);
    const [row] = (await apiCall(runtime, 'history.query', { tool: 'echo' })).calls;
    expect(row).toMatchObject({ decision: 'deny', decidedBy: 'pause', status: 'not_run' });

    await apiCall(runtime, 'pause.set', { paused: false });
    const ran = await echo(session, 'after resuming');
    expect(JSON.stringify(ran.result)).toContain('after resuming');
    expect(airlock.toolCallsUpstream()).toEqual(['echo']);
    events.close();
    await session.close();
  });

  it('outlives a restart, and resuming removes its file', async () => {
    await apiCall(runtime, 'pause.set', { paused: true });
    expect(existsSync(join(airlock.dataDir, 'pause.json'))).toBe(true);
    await runtime.close();
    runtime = await startAirlock(airlock.dataDir);
    expect((await apiCall(runtime, 'pause.get', {})).pause.paused).toBe(true);
    const session = await RawMcpSession.open(runtime.endpointFor('hostile'), airlock.token);
    expect(JSON.stringify((await echo(session, 'after a restart')).result)).toContain('paused');
    await apiCall(runtime, 'pause.set', { paused: false });
    expect(existsSync(join(airlock.dataDir, 'pause.json'))).toBe(false);
    await session.close();
  });
});
