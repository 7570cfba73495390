// config.json edited by hand while Airlock runs (issue 10, "Nothing lost"): a valid edit is in
// force at once, as the app's own edits are; an invalid, half-written or deleted file leaves the
// last good config in force and says why, with line and column; Airlock's own writes are not
// applied twice. The real runtime, real stdio upstreams, real SDK clients, the real file.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  addGrant,
  apiCall,
  connectClient,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  startAirlock,
  textOf,
} from '../helpers/airlock-harness';
import { openEventStream, type EventStream } from '../helpers/event-stream';
import { recordingLogger } from '../helpers/recording-logger';
import type { Runtime } from '../../src/main/runtime';
import type { AppEvent } from '../../src/shared/contract';

const POLICY = {
  version: '1',
  default: 'deny',
  tools: {
    get_service_status: { action: 'allow' },
    echo: { action: 'allow' },
    provision_api_key: { action: 'require_approval' },
  },
};
const MEATSPACE = fixtureCommand('meatspace-server.ts', 'stdio');
/** How long a hand edit may take to be in force: the watcher polls every 0.3 s. */
const SOON = { timeout: 2000, interval: 25 };

let dataDir: string | undefined;
let runtime: Runtime | undefined;
let events: EventStream | undefined;
const clients: Client[] = [];

afterEach(async () => {
  events?.close();
  for (const client of clients.splice(0)) await client.close().catch(() => {});
  await runtime?.close();
  if (dataDir !== undefined) removeDataDir(dataDir);
  runtime = undefined;
  dataDir = undefined;
  events = undefined;
});

async function start(config: Record<string, unknown>, logger = recordingLogger()) {
  dataDir = makeDataDir(config, { meatspace: POLICY, other: POLICY });
  const token = addGrant(dataDir, 'agent');
  runtime = await startAirlock(dataDir, logger);
  events = await openEventStream(runtime.url);
  return { runtime, token, logger, events, dataDir };
}

const configFile = () => join(dataDir!, 'config.json');

/** config.json as the tests edit it; whatever else it holds is kept. */
interface ConfigDoc {
  mcpServers: Record<string, unknown>;
  settings: Record<string, unknown>;
}

/** Rewrites config.json in place, as an editor that saves over the file does; other keys stay. */
function editConfig(edit: (doc: ConfigDoc) => void): string {
  const doc = JSON.parse(readFileSync(configFile(), 'utf8')) as ConfigDoc;
  edit(doc);
  const text = JSON.stringify(doc, null, 2) + '\n';
  writeFileSync(configFile(), text);
  return text;
}

async function connect(serverId: string, token: string): Promise<Client> {
  const client = await connectClient(runtime!, serverId, token);
  clients.push(client);
  return client;
}

const status = (client: Client) => client.callTool({ name: 'get_service_status', arguments: {} });
const serverIds = async () =>
  (await apiCall(runtime!, 'servers.list', {})).servers.map((s) => s.id).sort();
const configStatus = async () => (await apiCall(runtime!, 'config.status', {})).config;

/** The HTTP status of an initialize sent to /mcp/<id>. */
async function initializeStatus(serverId: string, token: string): Promise<number> {
  const response = await fetch(runtime!.endpointFor(serverId), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'x', version: '1' },
      },
    }),
  });
  await response.body?.cancel();
  return response.status;
}

function named<N extends AppEvent['name']>(name: N) {
  return events!.events
    .map((received) => received.event)
    .filter((event): event is Extract<AppEvent, { name: N }> => event.name === name);
}

describe('a server edited into config.json by hand', () => {
  it('is served at /mcp/<id> within a couple of seconds, with the event the app sends', async () => {
    const { token } = await start({});
    editConfig((doc) => {
      doc.mcpServers = { meatspace: MEATSPACE };
    });
    await expect.poll(serverIds, SOON).toEqual(['meatspace']);
    const announced = await events!.next(
      (e) => e.name === 'server.status' && e.data.server.id === 'meatspace',
    );
    expect(announced.event.data).toMatchObject({
      server: { id: 'meatspace', transport: 'stdio', endpoint: runtime!.endpointFor('meatspace') },
    });

    const agent = await connect('meatspace', token);
    const result = await status(agent);
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain('operational');
  });

  it('closes the sessions of an entry that changed, and only those; the next session runs the new entry', async () => {
    const { token } = await start({ mcpServers: { meatspace: MEATSPACE, other: MEATSPACE } });
    const agent = await connect('meatspace', token);
    const bystander = await connect('other', token);
    expect((await status(agent)).isError).toBeFalsy();

    const since = events!.events.length;
    editConfig((doc) => {
      doc.mcpServers.meatspace = fixtureCommand('faulty-server.ts');
    });
    await events!.next(
      (e) => e.name === 'server.status' && e.data.server.id === 'meatspace',
      since,
      2000,
    );
    await expect(agent.listTools()).rejects.toThrow();

    const again = await connect('meatspace', token);
    expect((await again.listTools()).tools.map((t) => t.name)).toEqual(['echo']);
    expect(textOf(await again.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toBe('hi');
    // The unchanged server's session never noticed.
    expect((await status(bystander)).isError).toBeFalsy();
  });

  it('answers 404 once its entry is removed, closes its sessions and keeps its policy file', async () => {
    const { token } = await start({ mcpServers: { meatspace: MEATSPACE, other: MEATSPACE } });
    const agent = await connect('meatspace', token);
    expect((await status(agent)).isError).toBeFalsy();

    editConfig((doc) => {
      delete doc.mcpServers.meatspace;
    });
    await expect.poll(serverIds, SOON).toEqual(['other']);
    expect(named('server.removed').map((e) => e.data.id)).toEqual(['meatspace']);
    await expect(status(agent)).rejects.toThrow();
    expect(await initializeStatus('meatspace', token)).toBe(404);
    expect(JSON.parse(readFileSync(join(dataDir!, 'policies', 'meatspace.json'), 'utf8'))).toEqual(
      POLICY,
    );
  });
});

describe('settings edited in config.json by hand', () => {
  it('puts a new approvalTimeout in force for the next held call', async () => {
    const { token } = await start({ mcpServers: { meatspace: MEATSPACE } });
    const agent = await connect('meatspace', token);
    editConfig((doc) => {
      doc.settings = { approvalTimeout: '45s' };
    });
    const changed = await events!.next((e) => e.name === 'settings.changed', 0, 2000);
    expect(changed.event.data).toMatchObject({ settings: { approvalTimeoutMs: 45_000 } });
    expect((await apiCall(runtime!, 'settings.get', {})).settings.approvalTimeoutMs).toBe(45_000);

    const held = agent.callTool({
      name: 'provision_api_key',
      arguments: { name: 'k', email: 'a@example.com' },
    });
    const added = await events!.next((e) => e.name === 'approval.added');
    if (added.event.name !== 'approval.added') throw new Error('unreachable');
    const { approval } = added.event.data;
    expect(approval.expiresAt - approval.receivedAt).toBe(45_000);
    await apiCall(runtime!, 'approvals.decide', { id: approval.id, decision: 'deny' });
    expect((await held).isError).toBe(true);
  });

  it('redacts with a pattern added to settings.redaction from the next call on', async () => {
    const { token } = await start({ mcpServers: { meatspace: MEATSPACE } });
    const agent = await connect('meatspace', token);
    editConfig((doc) => {
      doc.settings = { redaction: { patterns: ['zz-[0-9]{6}'] } };
    });
    await events!.next((e) => e.name === 'settings.changed', 0, 2000);
    await agent.callTool({ name: 'get_service_status', arguments: { note: 'id zz-123456 here' } });
    const { calls } = await apiCall(runtime!, 'history.query', { tool: 'get_service_status' });
    expect(calls[0]?.args).toContain('[redacted');
    expect(JSON.stringify(calls)).not.toContain('zz-123456');
  });

  it('says which settings wait for the next start, and keeps them in force until then', async () => {
    const { logger } = await start({});
    editConfig((doc) => {
      doc.settings = { maxBodyBytes: 2 * 1024 * 1024, upstreamTimeout: '30s' };
    });
    await expect
      .poll(async () => (await configStatus()).nextStart, SOON)
      .toEqual({ maxBodyBytes: 2 * 1024 * 1024, upstreamTimeoutMs: 30_000 });
    const { settings } = await apiCall(runtime!, 'settings.get', {});
    expect(settings).toMatchObject({ maxBodyBytes: 4 * 1024 * 1024, upstreamTimeoutMs: 60_000 });
    expect(logger.lines.map((l) => l.message)).toContain(
      'config.json: settings.maxBodyBytes is now 2097152; it applies at the next start',
    );
    expect(named('config.changed').at(-1)?.data.config.nextStart).toEqual({
      maxBodyBytes: 2 * 1024 * 1024,
      upstreamTimeoutMs: 30_000,
    });
  });
});

describe('an invalid config.json', () => {
  it('keeps the last good config in force and shows each problem with line and column until it is fixed', async () => {
    const { token, logger } = await start({ mcpServers: { meatspace: MEATSPACE } });
    const agent = await connect('meatspace', token);
    const good = readFileSync(configFile(), 'utf8');

    // An unknown key and a bad value, each on a line of its own, and a server entry dropped.
    const doc = JSON.parse(good) as ConfigDoc;
    delete doc.mcpServers.meatspace;
    doc.mcpServers.broken = { command: 'node', url: 'http://x' };
    doc.settings = { aprovalTimeout: '1m', retentionDays: 0 };
    const bad = JSON.stringify(doc, null, 2);
    writeFileSync(configFile(), bad);

    await expect.poll(async () => (await configStatus()).problems.length, SOON).toBeGreaterThan(0);
    const { problems, file } = await configStatus();
    expect(file).toBe(configFile());
    const lineOf = (needle: string) =>
      bad.split('\n').findIndex((line) => line.includes(needle)) + 1;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: '/settings/aprovalTimeout',
          line: lineOf('aprovalTimeout'),
        }),
        expect.objectContaining({ path: '/settings/retentionDays', line: lineOf('retentionDays') }),
        expect.objectContaining({ path: '/mcpServers/broken', line: lineOf('"broken"') }),
      ]),
    );
    for (const problem of problems) expect(problem.column).toBeGreaterThan(0);
    const pushed = named('config.changed').at(-1)?.data.config.problems;
    expect(pushed).toEqual(problems);
    // The log points into the file as file:line:column.
    const logged = logger.lines.find((l) => l.message.startsWith('config.json is invalid'));
    expect(logged?.level).toBe('error');
    expect(logged?.message).toContain(`${configFile()}:${lineOf('retentionDays')}:`);

    // Nothing of the bad file is in force: the server stays, the session too, settings unchanged.
    expect(await serverIds()).toEqual(['meatspace']);
    expect((await status(agent)).isError).toBeFalsy();
    expect((await status(await connect('meatspace', token))).isError).toBeFalsy();
    expect((await apiCall(runtime!, 'settings.get', {})).settings.retentionDays).toBe(90);

    // A syntax error points at its line and column too.
    writeFileSync(configFile(), good.replace('"mcpServers": {', '"mcpServers": {,'));
    await expect
      .poll(async () => (await configStatus()).problems[0], SOON)
      .toMatchObject({ line: 2, column: expect.any(Number) });

    writeFileSync(configFile(), good);
    await expect.poll(async () => (await configStatus()).problems, SOON).toEqual([]);
    expect(named('config.changed').at(-1)?.data.config.problems).toEqual([]);
    expect((await status(agent)).isError).toBeFalsy();
  });

  it('keeps calls working under the last good config while the file is half-written', async () => {
    const { token } = await start({ mcpServers: { meatspace: MEATSPACE } });
    const calls = keepCalling(await connect('meatspace', token));
    const good = readFileSync(configFile(), 'utf8');

    writeFileSync(configFile(), good.slice(0, Math.floor(good.length / 2)));
    await expect.poll(async () => (await configStatus()).problems.length, SOON).toBeGreaterThan(0);
    await calls.more(5);
    expect(await serverIds()).toEqual(['meatspace']);
    expect((await status(await connect('meatspace', token))).isError).toBeFalsy();

    // The rest of the save lands: the same config, so nothing changes and no session closes.
    writeFileSync(configFile(), good);
    await expect.poll(async () => (await configStatus()).problems, SOON).toEqual([]);
    await calls.more(5);
    expect(await calls.stop()).toEqual([]);
    expect(named('server.removed')).toEqual([]);
    expect(runtime!.sessionCount()).toBe(2);
  });

  it('keeps every server in force while the file is deleted, and will not write a new one', async () => {
    const { token, logger } = await start({ mcpServers: { meatspace: MEATSPACE } });
    const agent = await connect('meatspace', token);
    const good = readFileSync(configFile(), 'utf8');

    rmSync(configFile());
    await expect
      .poll(async () => (await configStatus()).problems.map((p) => p.message).join(), SOON)
      .toMatch(/config\.json is missing; the config read last stays in force/);
    expect(logger.lines.some((l) => l.level === 'error' && /is missing/.test(l.message))).toBe(
      true,
    );
    expect(await serverIds()).toEqual(['meatspace']);
    expect(named('server.removed')).toEqual([]);
    // Writing now would create a file with one entry and drop every other server: refused.
    await expect(
      apiCall(runtime!, 'servers.add', { id: 'other', config: MEATSPACE }),
    ).rejects.toThrow(/HTTP 409: .*config\.json is missing/);
    await expect(apiCall(runtime!, 'settings.update', { retentionDays: 30 })).rejects.toThrow(
      /HTTP 409: .*config\.json is missing/,
    );

    writeFileSync(configFile(), good);
    await expect.poll(async () => (await configStatus()).problems, SOON).toEqual([]);
    expect((await status(agent)).isError).toBeFalsy();
    expect(named('server.removed')).toEqual([]);
    expect(named('server.status').filter((e) => e.data.server.id === 'meatspace')).toHaveLength(1);
  });

  // Until grants leave config.json (another branch of issue 10 moves them to secrets.json), the
  // grant checker reads a deleted config.json as "no grants" and refuses every token: safe, but
  // calls stop. Once they live elsewhere, calls must carry on under the last good config.
  it('keeps calls working under the last good config while the file is deleted', async () => {
    const { token } = await start({ mcpServers: { meatspace: MEATSPACE } });
    const calls = keepCalling(await connect('meatspace', token));
    const good = readFileSync(configFile(), 'utf8');

    rmSync(configFile());
    await expect.poll(async () => (await configStatus()).problems.length, SOON).toBeGreaterThan(0);
    await calls.more(5);
    expect((await status(await connect('meatspace', token))).isError).toBeFalsy();
    writeFileSync(configFile(), good);
    await expect.poll(async () => (await configStatus()).problems, SOON).toEqual([]);
    await calls.more(5);
    expect(await calls.stop()).toEqual([]);
  });
});

/** Whether a grant created the way the harness does is written into config.json. */
/**
 * Calls a tool over and over on one session, as a busy agent would. `more(n)` waits for n more
 * answers; `stop()` ends the loop and returns every failure. The first failure ends the loop.
 */
function keepCalling(agent: Client) {
  const failures: string[] = [];
  let answered = 0;
  let running = true;
  const loop = (async () => {
    while (running && failures.length === 0) {
      try {
        const result = await status(agent);
        if (result.isError) failures.push(textOf(result));
      } catch (error) {
        failures.push((error as Error).message);
      }
      answered++;
    }
  })();
  const stop = async () => {
    running = false;
    await loop;
    return failures;
  };
  onTestFinished(async () => {
    await stop();
  });
  return {
    stop,
    async more(n: number) {
      const target = answered + n;
      await expect.poll(() => answered >= target || failures.length > 0, SOON).toBe(true);
      expect(failures).toEqual([]);
    },
  };
}

describe("Airlock's own writes to config.json", () => {
  it('are not applied again when the watcher reads them back: no session closes, no event twice', async () => {
    const { token } = await start({ mcpServers: { meatspace: MEATSPACE } });
    const agent = await connect('meatspace', token);
    expect((await status(agent)).isError).toBeFalsy();
    const since = events!.events.length;

    await apiCall(runtime!, 'servers.add', { id: 'other', config: MEATSPACE });
    await apiCall(runtime!, 'settings.update', { approvalTimeoutMs: 90_000 });
    await apiCall(runtime!, 'servers.update', {
      id: 'other',
      config: fixtureCommand('faulty-server.ts'),
    });
    // A hand edit after them: once it is in force, the watcher has read the app's writes too.
    editConfig((doc) => {
      doc.settings.retentionDays = 30;
    });
    await events!.next(
      (e) => e.name === 'settings.changed' && e.data.settings.retentionDays === 30,
      since,
      2000,
    );

    const after = events!.events.slice(since).map((r) => r.event);
    const statusOf = (id: string) =>
      after.filter((e) => e.name === 'server.status' && e.data.server.id === id);
    expect(statusOf('other')).toHaveLength(2); // added, updated: once each
    expect(statusOf('meatspace')).toEqual([]);
    expect(after.filter((e) => e.name === 'server.removed')).toEqual([]);
    expect(after.filter((e) => e.name === 'settings.changed')).toHaveLength(2);
    expect(after.filter((e) => e.name === 'config.changed')).toEqual([]);
    // The meatspace session is the same one, and still works.
    expect(runtime!.sessionCount()).toBe(1);
    expect((await status(agent)).isError).toBeFalsy();
    expect((await apiCall(runtime!, 'settings.get', {})).settings).toMatchObject({
      approvalTimeoutMs: 90_000,
      retentionDays: 30,
    });
  });
});
