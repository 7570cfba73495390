// A secret that passes through Airlock reaches the agent and nothing else: an API key minted through
// provision_api_key is found zero times in the data folder (history.sqlite, its WAL, every other
// file), the log, and every app API response and pushed event, but for the exact arguments of a
// held call, which the person answering it is shown (test/adversarial/approver.test.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { streamLogger } from '../../src/main/adapters/log/stream-logger';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import {
  addGrant,
  apiCall,
  connectClient,
  makeDataDir,
  removeDataDir,
  startAirlock,
  textOf,
} from '../helpers/airlock-harness';
import { openEventStream, type EventStream } from '../helpers/event-stream';
import type { Runtime } from '../../src/main/runtime';

let upstream: MeatspaceHttp;
let dataDir: string;
let runtime: Runtime;
let client: Client;
let events: EventStream;
const log: string[] = [];

beforeAll(async () => {
  upstream = await startMeatspaceHttp();
  dataDir = makeDataDir(
    { mcpServers: { meatspace: { url: upstream.url } } },
    {
      meatspace: {
        version: '1',
        default: 'deny',
        tools: {
          provision_api_key: {},
          ask_human: { action: 'require_approval' },
        },
      },
    },
  );
  const token = addGrant(dataDir, 'alice');
  const sink = new Writable({
    write(chunk, _encoding, done) {
      log.push(String(chunk));
      done();
    },
  });
  runtime = await startAirlock(dataDir, streamLogger(sink));
  events = await openEventStream(runtime.url);
  client = await connectClient(runtime, 'meatspace', token);
});

afterAll(async () => {
  events?.close();
  await client?.close();
  await runtime?.close();
  await upstream?.close();
  removeDataDir(dataDir);
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

it('gives the agent its key and keeps it out of everything Airlock stores, logs or shows', async () => {
  const result = await client.callTool({
    name: 'provision_api_key',
    arguments: { name: 'leak check', email: 'leak@example.com' },
  });
  const key = (JSON.parse(textOf(result)) as { api_key: string }).api_key;
  expect(key).toMatch(/^hitl_[A-Za-z0-9_-]{40}$/);

  // The agent then uses the key as a Bearer token: that argument must not be kept either.
  const held = client.callTool({
    name: 'ask_human',
    arguments: { agent_name: 'a', question: `Is ${key} still valid?`, api_key: key },
  });
  const { approvals } = await waitForApproval();
  await apiCall(runtime, 'approvals.decide', { id: approvals[0]!.id, decision: 'deny' });
  await held;

  const row = (await apiCall(runtime, 'history.query', { tool: 'provision_api_key' })).calls[0]!;
  expect(row.status).toBe('ok');
  expect(row.result).toContain('[redacted');
  await new Promise((resolve) => setTimeout(resolve, 100)); // batched history updates land

  const keyBody = key.slice('hitl_'.length);
  const { args, secrets } = approvals[0]!;
  expect(JSON.stringify(args)).toContain(keyBody);
  expect(secrets.map((s) => s.pointer)).toEqual(['/question', '/api_key']);
  const responses = [
    { ...approvals[0], args: undefined },
    await apiCall(runtime, 'history.query', {}),
    await apiCall(runtime, 'history.query', { text: 'hitl' }),
    await apiCall(runtime, 'history.get', { id: row.id }),
    await apiCall(runtime, 'history.export', { format: 'csv' }),
    await apiCall(runtime, 'history.export', { format: 'jsonl' }),
    await apiCall(runtime, 'history.counts', {}),
    await apiCall(runtime, 'servers.list', {}),
    await apiCall(runtime, 'policies.list', {}),
    events.events.map((received) =>
      received.event.name.startsWith('approval.') ? received.event.name : received.event,
    ),
  ].map((response) => JSON.stringify(response));
  for (const text of responses) expect(text).not.toContain(keyBody);
  expect(responses.join('\n')).toContain('leak@example.com');

  const files = filesUnder(dataDir);
  expect(files.map((file) => file.slice(dataDir.length))).toEqual(
    expect.arrayContaining(['/history.sqlite', '/history.sqlite-wal']),
  );
  for (const file of files) {
    const bytes = readFileSync(file);
    expect({ file, found: bytes.includes(keyBody) }).toEqual({ file, found: false });
  }
  expect(readFileSync(join(dataDir, 'history.sqlite-wal')).includes('leak@example.com')).toBe(true);
  expect(log.join('')).not.toContain(keyBody);
  expect(log.join('')).toContain('ask_human');
});

async function waitForApproval() {
  for (let attempt = 0; attempt < 200; attempt++) {
    const listed = await apiCall(runtime, 'approvals.list', {});
    if (listed.approvals.length > 0) return listed;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no held call appeared');
}
