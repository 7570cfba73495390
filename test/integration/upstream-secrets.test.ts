// Upstream secrets out of config.json (issue 11): an old data folder's header and env values move
// to the secret store on the first start (a file readable by the user alone here, the OS keychain
// where one works) and config.json keeps everything else byte for byte; the upstreams still get
// them; a value pasted into the file while Airlock runs moves too; a server whose value is missing
// is listed with why and not served, and no other server is affected. Real runtime, real
// upstreams (MeatSpace over HTTP wanting its key, the everything server over stdio), real files.
import { readFileSync, realpathSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  addGrant,
  apiCall,
  connectClient,
  EVERYTHING_SERVER_ENTRY,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  startAirlock,
  textOf,
} from '../helpers/airlock-harness';
import { FakeKeychain } from '../helpers/fake-keychain';
import { recordingLogger } from '../helpers/recording-logger';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import { keychainAccount } from '../../src/main/adapters/secrets/keychain-secret-store';
import type { Runtime } from '../../src/main/runtime';

const KEY = 'hitl_0123456789abcdefghijklmnopqrstuvwxyzABCD';
const AUTHORIZATION = `Bearer ${KEY}`;
const ENV_VALUE = 'env-secret-5f2b9c';
const ALLOW_ALL = { version: '1', default: 'allow' };
/** How long a hand edit may take to be in force: the watcher polls every 0.3 s. */
const SOON = { timeout: 3000, interval: 25 };

let dataDir: string | undefined;
let runtime: Runtime | undefined;
let upstream: MeatspaceHttp | undefined;
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => {});
  await runtime?.close();
  await upstream?.close();
  if (dataDir !== undefined) removeDataDir(dataDir);
  runtime = undefined;
  upstream = undefined;
  dataDir = undefined;
});

const configFile = () => join(dataDir!, 'config.json');
const secretsFile = () => join(dataDir!, 'upstream-secrets.json');
const readConfig = () => readFileSync(configFile(), 'utf8');

async function connect(serverId: string, token: string): Promise<Client> {
  const client = await connectClient(runtime!, serverId, token);
  clients.push(client);
  return client;
}

/** MeatSpace over HTTP that answers 401 without the key, and what each request carried. */
async function meatspaceWantingKey() {
  const seen: (string | undefined)[] = [];
  upstream = await startMeatspaceHttp({
    authorization: AUTHORIZATION,
    onRequest: (headers) => seen.push(headers.authorization),
  });
  return { url: upstream.url, seen };
}

/** The status a tools/call through Airlock gets from the HTTP upstream: ok only with the key. */
async function serviceStatus(token: string): Promise<string> {
  const client = await connect('meatspace', token);
  const result = await client.callTool({ name: 'get_service_status', arguments: {} });
  return result.isError ? `error: ${textOf(result)}` : 'ok';
}

/** The stdio upstream's environment, as its get-env tool reports it. */
async function upstreamEnv(token: string): Promise<string> {
  const client = await connect('everything', token);
  return textOf(await client.callTool({ name: 'get-env', arguments: {} }));
}

/** A config.json as a person keeps it: their indentation, key order and settings. */
function handKeptConfig(meatspaceUrl: string): string {
  return [
    '{',
    '   "settings": {"retentionDays": 30},',
    '   "mcpServers": {',
    `      "meatspace": {"url": ${JSON.stringify(meatspaceUrl)}, "headers": {"Authorization": ${JSON.stringify(AUTHORIZATION)}}},`,
    '      "everything": {',
    `         "command": ${JSON.stringify(process.execPath)},`,
    `         "args": [${JSON.stringify(EVERYTHING_SERVER_ENTRY)}, "stdio"],`,
    `         "env": {"AIRLOCK_UPSTREAM_SECRET": ${JSON.stringify(ENV_VALUE)}}`,
    '      }',
    '   }',
    '}',
    '',
  ].join('\n');
}

describe('an old data folder with header and env values in config.json', () => {
  it('moves them to a file readable by you alone on the first start, keeps the rest of config.json as it was, and the upstreams still get them', async () => {
    const { url, seen } = await meatspaceWantingKey();
    dataDir = makeDataDir({}, { meatspace: ALLOW_ALL, everything: ALLOW_ALL });
    const before = handKeptConfig(url);
    writeFileSync(configFile(), before);
    const token = addGrant(dataDir, 'agent');
    const logger = recordingLogger();
    runtime = await startAirlock(dataDir, logger);

    const after = readConfig();
    expect(after).not.toContain(KEY);
    expect(after).not.toContain(ENV_VALUE);
    expect(after).toBe(
      before
        .replace(
          `"Authorization": ${JSON.stringify(AUTHORIZATION)}`,
          '"Authorization": { "secret": "meatspace/headers/Authorization" }',
        )
        .replace(
          `"AIRLOCK_UPSTREAM_SECRET": ${JSON.stringify(ENV_VALUE)}`,
          '"AIRLOCK_UPSTREAM_SECRET": { "secret": "everything/env/AIRLOCK_UPSTREAM_SECRET" }',
        ),
    );
    if (process.platform !== 'win32') expect(statSync(secretsFile()).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(secretsFile(), 'utf8'))).toEqual({
      'meatspace/headers/Authorization': AUTHORIZATION,
      'everything/env/AIRLOCK_UPSTREAM_SECRET': ENV_VALUE,
    });
    expect(logger.lines.map((l) => l.message)).toContain(
      `moved 2 env and header values from config.json to ${secretsFile()}; config.json now holds a reference to each`,
    );

    expect(await serviceStatus(token)).toBe('ok');
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([AUTHORIZATION]));
    expect(await upstreamEnv(token)).toContain(ENV_VALUE);

    const { servers, secretStore } = await apiCall(runtime, 'servers.list', {});
    expect(secretStore).toEqual({ kind: 'file', file: secretsFile() });
    expect(servers.map((s) => [s.id, s.state])).toEqual([
      ['meatspace', 'connected'],
      ['everything', 'connected'],
    ]);
  });

  it('starts again from the references, leaving config.json as the first start wrote it', async () => {
    const { url } = await meatspaceWantingKey();
    dataDir = makeDataDir({}, { meatspace: ALLOW_ALL, everything: ALLOW_ALL });
    writeFileSync(configFile(), handKeptConfig(url));
    const token = addGrant(dataDir, 'agent');
    runtime = await startAirlock(dataDir);
    await runtime.close();
    const rewritten = readConfig();
    expect(rewritten).not.toContain(KEY);
    expect(rewritten).not.toContain(ENV_VALUE);

    runtime = await startAirlock(dataDir);
    expect(readConfig()).toBe(rewritten);
    expect(await serviceStatus(token)).toBe('ok');
    expect(await upstreamEnv(token)).toContain(ENV_VALUE);
  });
});

describe('a value pasted into config.json while Airlock runs', () => {
  it('moves to the store as soon as the file is read, and the new server runs with it', async () => {
    const { url, seen } = await meatspaceWantingKey();
    dataDir = makeDataDir({ mcpServers: {} }, { meatspace: ALLOW_ALL });
    const token = addGrant(dataDir, 'agent');
    runtime = await startAirlock(dataDir);

    const pasted = JSON.stringify(
      { mcpServers: { meatspace: { url, headers: { Authorization: AUTHORIZATION } } } },
      null,
      2,
    );
    writeFileSync(configFile(), pasted);
    await expect.poll(() => readConfig(), SOON).not.toContain(KEY);
    expect(readConfig()).toBe(
      pasted.replace(
        `"Authorization": ${JSON.stringify(AUTHORIZATION)}`,
        '"Authorization": { "secret": "meatspace/headers/Authorization" }',
      ),
    );
    expect(JSON.parse(readFileSync(secretsFile(), 'utf8'))).toEqual({
      'meatspace/headers/Authorization': AUTHORIZATION,
    });
    expect(await serviceStatus(token)).toBe('ok');
    expect(new Set(seen)).toEqual(new Set([AUTHORIZATION]));
  });
});

describe('a server whose secret is missing from the store', () => {
  it('is listed with why and not served, the others are untouched, and entering the value again in the app fixes it', async () => {
    const { url, seen } = await meatspaceWantingKey();
    dataDir = makeDataDir(
      {
        mcpServers: {
          meatspace: {
            url,
            headers: { Authorization: { secret: 'meatspace/headers/Authorization' } },
          },
          faulty: fixtureCommand('faulty-server.ts'),
        },
      },
      { meatspace: ALLOW_ALL, faulty: ALLOW_ALL },
    );
    const token = addGrant(dataDir, 'agent');
    const logger = recordingLogger();
    runtime = await startAirlock(dataDir, logger);

    const why =
      `not served: the value of header "Authorization" is not in ${secretsFile()} ` +
      '(config.json refers to it as "meatspace/headers/Authorization")';
    const { servers } = await apiCall(runtime, 'servers.list', {});
    expect(servers.find((s) => s.id === 'meatspace')).toMatchObject({
      state: 'failed',
      lastError: expect.stringContaining(why),
    });
    expect(
      logger.lines.some(
        (l) => l.level === 'error' && l.message.startsWith(`server meatspace is ${why}`),
      ),
    ).toBe(true);
    // Not served: an agent cannot reach it, and nothing is sent upstream without the key.
    const before = seen.length;
    await expect(connect('meatspace', token)).rejects.toThrow(/No upstream server/);
    expect(seen).toHaveLength(before);
    // The other server is served as before.
    const faulty = await connect('faulty', token);
    expect(textOf(await faulty.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toBe('hi');
    await expect(apiCall(runtime, 'servers.tools', { server: 'meatspace' })).rejects.toThrow(why);

    // The edit form still opens, with the header's name, and the value typed again fixes it.
    expect((await apiCall(runtime, 'servers.get', { id: 'meatspace' })).server.headerKeys).toEqual([
      'Authorization',
    ]);
    await apiCall(runtime, 'servers.update', {
      id: 'meatspace',
      config: { url, headers: { Authorization: AUTHORIZATION } },
    });
    expect(await serviceStatus(token)).toBe('ok');
    expect(readConfig()).not.toContain(KEY);
  });
});

describe('servers added and removed in the app', () => {
  it('write values to the store, never to config.json, and a removal deletes them unless another entry still refers to them', async () => {
    const { url } = await meatspaceWantingKey();
    dataDir = makeDataDir({ mcpServers: {} }, { meatspace: ALLOW_ALL });
    const token = addGrant(dataDir, 'agent');
    runtime = await startAirlock(dataDir);

    await apiCall(runtime, 'servers.add', {
      id: 'meatspace',
      config: { url, headers: { Authorization: AUTHORIZATION } },
    });
    await apiCall(runtime, 'servers.add', {
      id: 'tool',
      config: { command: process.execPath, env: { TOOL_TOKEN: 'tool-secret' } },
    });
    expect(readConfig()).not.toContain(KEY);
    expect(readConfig()).not.toContain('tool-secret');
    expect(JSON.parse(readConfig()).mcpServers.meatspace.headers).toEqual({
      Authorization: { secret: 'meatspace/headers/Authorization' },
    });
    expect(await serviceStatus(token)).toBe('ok');

    // A second entry, made by hand, shares the tool's value.
    const doc = JSON.parse(readConfig());
    doc.mcpServers.copy = {
      command: process.execPath,
      env: { T: { secret: 'tool/env/TOOL_TOKEN' } },
    };
    writeFileSync(configFile(), JSON.stringify(doc, null, 2));
    await expect
      .poll(
        async () => (await apiCall(runtime!, 'servers.list', {})).servers.map((s) => s.id),
        SOON,
      )
      .toContain('copy');

    await apiCall(runtime, 'servers.remove', { id: 'meatspace' });
    await apiCall(runtime, 'servers.remove', { id: 'tool' });
    expect(JSON.parse(readFileSync(secretsFile(), 'utf8'))).toEqual({
      'tool/env/TOOL_TOKEN': 'tool-secret',
    });
  });
});

describe('with an OS keychain', () => {
  it('keeps the values in it, nowhere on disk, says so, and takes in what a keychain-less start left in the file', async () => {
    const { url, seen } = await meatspaceWantingKey();
    dataDir = makeDataDir(
      {
        mcpServers: {
          meatspace: { url, headers: { Authorization: AUTHORIZATION } },
          tool: { command: process.execPath, env: { T: { secret: 'tool/env/T' } } },
        },
      },
      { meatspace: ALLOW_ALL },
    );
    writeFileSync(secretsFile(), JSON.stringify({ 'tool/env/T': 'from-the-file' }), {
      mode: 0o600,
    });
    const token = addGrant(dataDir, 'agent');
    const keychain = new FakeKeychain();
    runtime = await startAirlock(dataDir, undefined, { keychain });

    const account = (key: string) => keychainAccount(realpathSync(dataDir!), key);
    expect(keychain.get(account('meatspace/headers/Authorization'))).toBe(AUTHORIZATION);
    expect(keychain.get(account('tool/env/T'))).toBe('from-the-file');
    expect(existsSync(secretsFile())).toBe(false);
    expect(readConfig()).not.toContain(KEY);
    expect((await apiCall(runtime, 'servers.list', {})).secretStore).toEqual({
      kind: 'keychain',
      name: 'Fake Keychain',
    });
    expect(await serviceStatus(token)).toBe('ok');
    expect(new Set(seen)).toEqual(new Set([AUTHORIZATION]));
  });
});
