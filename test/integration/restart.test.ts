// A held call does not outlive Airlock: if `airlock serve` dies while a call waits for a person, the
// call never runs, and the next start records it as never answered.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import {
  addGrant,
  apiCall,
  makeDataDir,
  removeDataDir,
  REPO_ROOT,
  TEST_UI_TOKEN,
} from '../helpers/airlock-harness';

const BIN = join(REPO_ROOT, 'bin/airlock.js');

let upstream: MeatspaceHttp;
let dataDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'out/main/cli.js')))
    throw new Error('run `npm run build` before these tests');
  upstream = await startMeatspaceHttp();
  dataDir = makeDataDir(
    { mcpServers: { meatspace: { url: upstream.url } } },
    {
      meatspace: {
        version: '1',
        tools: { provision_api_key: { action: 'require_approval' } },
      },
    },
  );
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await upstream?.close();
  removeDataDir(dataDir);
});

async function serve(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--port', '0'], {
    env: { ...process.env, AIRLOCK_UI_TOKEN: TEST_UI_TOKEN },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve) =>
    lines.on('line', (line) => {
      const match = /^Airlock listening on (\S+)$/.exec(line);
      if (match) resolve(match[1]!);
    }),
  );
  return { child, url };
}

it('records a call held when Airlock was killed as never answered, and never runs it', async () => {
  const token = addGrant(dataDir, 'alice');
  const first = await serve();
  const client = new Client({ name: 'agent', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${first.url}/mcp/meatspace`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  const pending = client
    .callTool({ name: 'provision_api_key', arguments: { name: 'k', email: 'r@example.com' } })
    .catch((error: Error) => error);
  await expect
    .poll(async () => (await apiCall(first, 'approvals.list', {})).approvals.length)
    .toBe(1);

  first.child.kill('SIGKILL');
  expect(await pending).toBeInstanceOf(Error);

  const second = await serve();
  const { calls } = await apiCall(second, 'history.query', {});
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({
    tool: 'provision_api_key',
    decision: 'deny',
    decidedBy: 'restart',
    status: 'not_run',
  });
  expect((await apiCall(second, 'approvals.list', {})).approvals).toEqual([]);
  expect(upstream.state.activeKeysByEmail.size).toBe(0);
  second.child.kill('SIGTERM');
});
