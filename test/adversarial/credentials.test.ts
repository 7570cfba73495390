// Issue 10, finding 7: credentials written into a server's URL (user:password, ?api_key=) or its
// command line (--token abc, --api-key=abc, KEY=value, a bare key) are used to reach the server but
// never shown: not in the servers.add / update answers, servers.list, the server.status event, a
// connection test's error or the log. The masked target stays readable.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { mintKey } from '../fixtures/chatty-server';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import {
  addGrant,
  apiCall,
  connectClient,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  SEED_POLICY_FILE,
  startAirlock,
} from '../helpers/airlock-harness';
import { openEventStream, type EventStream } from '../helpers/event-stream';
import { recordingLogger } from '../helpers/recording-logger';
import { readFileSync } from 'node:fs';
import type { Runtime } from '../../src/main/runtime';

const SECRETS = {
  password: 'pa55-in-the-url',
  query: 'query-api-key-value',
  tokenArg: 'token-after-a-flag',
  apiKeyArg: 'api-key-in-an-assignment',
  envArg: 'password-in-an-env-argument',
  bareKey: mintKey(),
};
const log = recordingLogger();
let upstream: MeatspaceHttp;
let dataDir: string;
let runtime: Runtime;
let events: EventStream;
let token: string;
const clients: Client[] = [];
/** Every answer and event seen, as text, for the final sweep. */
const seen: string[] = [];

beforeAll(async () => {
  upstream = await startMeatspaceHttp();
  // The policies are in place from the start, for the servers the tests add.
  const seed = readFileSync(SEED_POLICY_FILE, 'utf8');
  dataDir = makeDataDir({}, { remote: seed, local: seed });
  token = addGrant(dataDir, 'alice');
  runtime = await startAirlock(dataDir, log);
  events = await openEventStream(runtime.url);
});

afterAll(async () => {
  for (const client of clients) await client.close();
  events?.close();
  await runtime?.close();
  await upstream?.close();
  removeDataDir(dataDir);
});

function expectNoSecret(text: string): void {
  for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
}

const httpUrl = () => {
  const url = new URL(upstream.url);
  return `http://user:${SECRETS.password}@${url.host}${url.pathname}?api_key=${SECRETS.query}&page=2`;
};

it('shows an HTTP server’s URL with its password and api_key masked, and still uses them', async () => {
  const since = events.events.length;
  const { server } = await apiCall(runtime, 'servers.add', {
    id: 'remote',
    config: { url: httpUrl() },
  });
  seen.push(JSON.stringify(server));
  const port = new URL(upstream.url).port;
  expect(server.target).toBe(`http://user:***@127.0.0.1:${port}/api/mcp?api_key=***&page=2`);

  const status = await events.next(
    (e) => e.name === 'server.status' && e.data.server.id === 'remote',
    since,
  );
  seen.push(JSON.stringify(status.event));
  expect(status.event.data).toMatchObject({ server: { target: server.target } });

  // The real URL is what Airlock connects with.
  const client = await connectClient(runtime, 'remote', token);
  clients.push(client);
  expect((await client.listTools()).tools.map((t) => t.name)).toContain('provision_api_key');
});

it('shows a stdio server’s command line with its secret arguments masked', async () => {
  const fixture = fixtureCommand('meatspace-server.ts', 'stdio');
  const args = [
    ...fixture.args,
    '--token',
    SECRETS.tokenArg,
    `--api-key=${SECRETS.apiKeyArg}`,
    `DB_PASSWORD=${SECRETS.envArg}`,
    SECRETS.bareKey,
    '--verbose',
  ];
  const since = events.events.length;
  const { server } = await apiCall(runtime, 'servers.add', {
    id: 'local',
    config: { command: fixture.command, args, cwd: fixture.cwd },
  });
  seen.push(JSON.stringify(server));
  expect(server.target).toBe(
    [fixture.command, ...fixture.args].join(' ') +
      ' --token *** --api-key=*** DB_PASSWORD=*** *** --verbose',
  );
  const status = await events.next(
    (e) => e.name === 'server.status' && e.data.server.id === 'local',
    since,
  );
  seen.push(JSON.stringify(status.event));

  const updated = await apiCall(runtime, 'servers.update', {
    id: 'local',
    config: { command: fixture.command, args: [...args, '--password', SECRETS.password] },
  });
  seen.push(JSON.stringify(updated));
  expect(updated.server.target).toMatch(/ --verbose --password \*\*\*$/);

  const client = await connectClient(runtime, 'local', token);
  clients.push(client);
  expect((await client.listTools()).tools.map((t) => t.name)).toContain('provision_api_key');
});

it('masks the URL in a failed connection test’s error', async () => {
  const result = await apiCall(runtime, 'servers.test', {
    config: { url: `http://user:${SECRETS.password}@127.0.0.1:1/mcp?key=${SECRETS.query}` },
  });
  seen.push(JSON.stringify(result));
  expect(result.ok).toBe(false);
  expect(JSON.stringify(result)).toContain('http://user:***@127.0.0.1:1/mcp?key=***');
});

it('leaves no secret in servers.list, any answer or event, or the log', async () => {
  const { servers } = await apiCall(runtime, 'servers.list', {});
  expect(servers.map((s) => s.id).sort()).toEqual(['local', 'remote']);
  seen.push(JSON.stringify(servers));
  seen.push(...events.events.map((e) => JSON.stringify(e.event)));
  expectNoSecret(seen.join('\n'));
  expectNoSecret(log.lines.map((l) => `${l.message} ${JSON.stringify(l.fields)}`).join('\n'));
});
