// Issue 10, finding 4: upstream servers that print the key they minted (on stderr, as a stdout line
// that is not JSON-RPC, as an SSE event that is not JSON-RPC) must not put it in Airlock's log.
// The log shows the redaction placeholder where the key was.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { mintKey, startChattyHttp, type ChattyHttp } from '../fixtures/chatty-server';
import {
  addGrant,
  connectClient,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  startAirlock,
} from '../helpers/airlock-harness';
import { recordingLogger } from '../helpers/recording-logger';
import type { Runtime } from '../../src/main/runtime';

const KEY = mintKey();
const PLACEHOLDER = '[redacted:hitl-key]';
const log = recordingLogger();
let upstream: ChattyHttp;
let dataDir: string;
let runtime: Runtime;
const clients: Client[] = [];

beforeAll(async () => {
  upstream = await startChattyHttp(KEY);
  const policy = { version: '1', default: 'allow' };
  dataDir = makeDataDir(
    {
      mcpServers: {
        'chatty-stdio': {
          ...fixtureCommand('chatty-server.ts', 'stdio'),
          env: { CHATTY_KEY: KEY },
        },
        'chatty-http': { url: upstream.url },
      },
    },
    { 'chatty-stdio': policy, 'chatty-http': policy },
  );
  const token = addGrant(dataDir, 'alice');
  runtime = await startAirlock(dataDir, log);
  for (const server of ['chatty-stdio', 'chatty-http']) {
    const client = await connectClient(runtime, server, token);
    clients.push(client);
    await client.listTools();
  }
});

afterAll(async () => {
  for (const client of clients) await client.close();
  await runtime?.close();
  await upstream?.close();
  removeDataDir(dataDir);
});

/** Every recorded line as one string, the way a log file would hold it. */
const logText = () =>
  log.lines.map((line) => `${line.level} ${line.message} ${JSON.stringify(line.fields)}`);

it.each(['chatty-stderr', 'chatty-long-stderr', 'chatty-stdout', 'chatty-event'])(
  'logs what an upstream said (%s) with the key it minted redacted',
  async (marker) => {
    const lines = await vi.waitFor(
      () => {
        const found = logText().filter((line) => line.includes(marker));
        if (found.length === 0) throw new Error(`nothing logged with ${marker} yet`);
        return found;
      },
      { timeout: 15_000, interval: 20 },
    );
    // A line cut to its head keeps no part of the key the cut fell in.
    if (marker !== 'chatty-long-stderr')
      for (const line of lines) expect(line).toContain(PLACEHOLDER);
    expect(logText().join('\n')).not.toContain(KEY);
    // Not even a piece of it: the redactor runs before lines are cut to length.
    expect(logText().join('\n')).not.toContain(KEY.slice(5, 25));
    expect(logText().join('\n')).not.toContain(KEY.slice(0, 10));
  },
);
