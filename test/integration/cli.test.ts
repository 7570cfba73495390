// The `airlock` command as scripts use it: the built CLI in a child process, its output lines and
// exit codes, and `connect` bridging a stdio client to a running `serve`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import {
  makeDataDir,
  INITIALIZE_REQUEST,
  removeDataDir,
  REPO_ROOT,
  SEED_POLICY_FILE,
} from '../helpers/airlock-harness';

const BIN = join(REPO_ROOT, 'bin/airlock.js');
const INITIALIZE_LINE = INITIALIZE_REQUEST + '\n';

/** Runs the CLI to completion, in the background: the upstream fixture lives in this process. */
function airlockAsync(args: string[], env: NodeJS.ProcessEnv, input: string) {
  return new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('close', (code) => resolve({ code, stdout }));
    child.stdin.end(input);
  });
}

function airlock(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let upstream: MeatspaceHttp;
let dataDir: string;

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'out/main/cli.js')))
    throw new Error('run `npm run build` before these tests');
  upstream = await startMeatspaceHttp();
  dataDir = makeDataDir(
    { mcpServers: { meatspace: { url: upstream.url } } },
    { meatspace: readFileSync(SEED_POLICY_FILE, 'utf8') },
  );
});

afterAll(async () => {
  await upstream?.close();
  removeDataDir(dataDir);
});

describe('airlock grants add', () => {
  it('prints the new token as its last line, and refuses a name that is taken', () => {
    const created = airlock(['grants', 'add', 'cli-agent', '--data-dir', dataDir]);
    expect(created.code).toBe(0);
    const lines = created.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^alk_[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).not.toContain(lines.at(-1)!);

    const again = airlock(['grants', 'add', 'cli-agent', '--data-dir', dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('finds the data folder through AIRLOCK_DATA_DIR', () => {
    const created = airlock(['grants', 'add', 'env-agent'], { AIRLOCK_DATA_DIR: dataDir });
    expect(created.code).toBe(0);
    expect(airlock(['grants', 'list', '--data-dir', dataDir]).stdout).toMatch(/^env-agent\t/m);
  });
});

describe('airlock policy check', () => {
  it('accepts the seed policy', () => {
    const checked = airlock(['policy', 'check', SEED_POLICY_FILE]);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(/valid/);
  });

  it('prints every problem with line, column and JSON path, and exits non-zero', () => {
    const file = join(dataDir, 'broken-policy.json');
    writeFileSync(
      file,
      [
        '{',
        '  "version": "1",',
        '  "default": "alow",',
        '  "tools": {',
        '    "provision_api_key": {',
        '      "limits": [{ "counter": "c", "window": "fortnight", "max": 30 }],',
        '      "colour": "red"',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
    const checked = airlock(['policy', 'check', file]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain(`${file}:3:`);
    expect(checked.stderr).toContain('/default');
    expect(checked.stderr).toContain('/tools/provision_api_key/limits/0/window');
    expect(checked.stderr).toContain('/tools/provision_api_key/colour');
    expect(checked.stderr).toMatch(/3 problems/);
  });
});

describe('airlock serve and airlock connect', () => {
  let serve: ChildProcess;
  let listening: string;
  let output: string[] = [];
  let token: string;

  beforeAll(async () => {
    token = airlock(['grants', 'add', 'bridge-agent', '--data-dir', dataDir])
      .stdout.trim()
      .split('\n')
      .at(-1)!;
    serve = spawn(
      process.execPath,
      [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--quiet'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: serve.stdout! });
    output = [];
    await new Promise<void>((resolve) =>
      lines.on('line', (line) => {
        output.push(line);
        if (line.includes('/mcp/meatspace')) resolve();
      }),
    );
    listening = output[0]!;
  });

  afterAll(() => {
    serve?.kill('SIGKILL');
  });

  it('prints the listening line first, then each server’s endpoint', () => {
    expect(listening).toMatch(/^Airlock listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = listening.replace('Airlock listening on ', '');
    expect(output.join('\n')).toContain(`meatspace: ${url}/mcp/meatspace`);
  });

  it('prints the UI address with its token, which opens the app API', async () => {
    const line = output.find((l) => l.startsWith('UI '));
    const match = /(http:\/\/127\.0\.0\.1:\d+)\/#token=([A-Za-z0-9_-]{43})$/.exec(line ?? '');
    expect(match, line).not.toBeNull();
    const [, base, uiToken] = match!;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const call = (token: string) =>
      fetch(`${base}/api/servers.list`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
    const listed = await call(uiToken!);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({
      servers: [{ id: 'meatspace', transport: 'http' }],
    });
    expect((await call(token)).status).toBe(401);
  });

  it('refuses to start a second Airlock on the same data folder, saying which one guards it', () => {
    const second = airlock(['serve', '--port', '0', '--data-dir', dataDir]);
    expect(second.code).toBe(1);
    const url = listening.replace('Airlock listening on ', '');
    expect(second.stderr).toContain(`airlock: Airlock already guards ${dataDir}: process `);
    expect(second.stderr).toContain(`listens on ${url}`);
  });

  it('bridges a stdio client through the running server, under the same policy', async () => {
    const client = new Client({ name: 'stdio-only-client', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'connect', 'meatspace', '--data-dir', dataDir],
        env: { AIRLOCK_TOKEN: token, PATH: process.env.PATH ?? '' },
      }),
    );
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([
      'provision_api_key',
    ]);
    const minted = await client.callTool({
      name: 'provision_api_key',
      arguments: { name: 'k', email: 'bridge@example.com' },
    });
    expect((minted.structuredContent as { api_key: string }).api_key).toMatch(/^hitl_/);
    const refused = await client.callTool({ name: 'ask_human', arguments: {} });
    expect(refused.isError).toBe(true);
    await client.close();
  });

  it('tells a stdio client with a wrong token that the token is wrong, and how to get one', async () => {
    const bridged = await airlockAsync(
      ['connect', 'meatspace', '--data-dir', dataDir, '--token', 'alk_wrong'],
      {},
      INITIALIZE_LINE,
    );
    const answer = JSON.parse(bridged.stdout.trim());
    expect(answer.id).toBe(1);
    expect(answer.error.message).toContain('refused the grant token (HTTP 401)');
    expect(answer.error.message).toContain('airlock grants add NAME');
    expect(answer.error.message).toContain('AIRLOCK_TOKEN or --token');
    expect(answer.error.message).not.toContain('could not be reached');
  });

  it('tells a stdio client with an unknown server id where the server ids are', async () => {
    const bridged = await airlockAsync(
      ['connect', 'meatspaec', '--data-dir', dataDir],
      { AIRLOCK_TOKEN: token },
      INITIALIZE_LINE,
    );
    const answer = JSON.parse(bridged.stdout.trim());
    expect(answer.error.message).toContain('has no server "meatspaec" (HTTP 404)');
    expect(answer.error.message).toContain('Servers screen');
    expect(answer.error.message).toContain('"mcpServers" in config.json');
    expect(answer.error.message).not.toContain('could not be reached');
  });

  it('tells a stdio client whose session Airlock closed to reconnect, not that Airlock is down', async () => {
    const client = new Client({ name: 'stdio-only-client', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'connect', 'meatspace', '--data-dir', dataDir],
        env: { AIRLOCK_TOKEN: token, PATH: process.env.PATH ?? '' },
        stderr: 'ignore',
      }),
    );
    // Renaming a grant keeps its token and closes its sessions, as a restart would.
    const [, base, uiToken] = /(http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)$/.exec(
      output.find((l) => l.startsWith('UI ')) ?? '',
    )!;
    const renamed = await fetch(`${base}/api/grants.rename`, {
      method: 'POST',
      headers: { authorization: `Bearer ${uiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bridge-agent', newName: 'bridge-agent-2' }),
    });
    expect(renamed.status).toBe(200);
    await expect(client.listTools()).rejects.toThrow(
      /no longer has this session \(HTTP 404\).*restart the client/,
    );
    await client.close();
  });

  it('answers requests piped in by a script before it exits', async () => {
    const bridged = await airlockAsync(
      ['connect', 'meatspace', '--data-dir', dataDir],
      { AIRLOCK_TOKEN: token },
      INITIALIZE_LINE,
    );
    expect(bridged.code).toBe(0);
    expect(JSON.parse(bridged.stdout.trim()).result.protocolVersion).toBeTruthy();
  });

  it('explains a port that is already taken', () => {
    const port = listening.replace(/.*:/, '');
    // Another data folder: on the same one, the running server is named instead (above).
    const elsewhere = makeDataDir({});
    try {
      const second = airlock(['serve', '--data-dir', elsewhere, '--port', port]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/EADDRINUSE.*--port/);
    } finally {
      removeDataDir(elsewhere);
    }
    // The running server's file still points at the running server.
    expect(readFileSync(join(dataDir, 'serve.json'), 'utf8')).toContain(`:${port}`);
  });

  it('stops cleanly on SIGTERM and removes its running file', async () => {
    expect(existsSync(join(dataDir, 'serve.json'))).toBe(true);
    const exited = new Promise<number | null>((resolve) =>
      serve.once('exit', (code) => resolve(code)),
    );
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'serve.json'))).toBe(false);
  });
});

describe('the UI token kept in the data folder', () => {
  const UI_LINK = /(http:\/\/127\.0\.0\.1:\d+)\/#token=([A-Za-z0-9_-]{43})$/;
  let folder: string;
  let running: ChildProcess | undefined;

  /** Starts `serve` on the folder and resolves with its base URL and the token its UI line carries. */
  async function serveOnce(): Promise<{ base: string; token: string }> {
    running = spawn(process.execPath, [BIN, 'serve', '--data-dir', folder, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, AIRLOCK_UI_TOKEN: '' },
    });
    const lines = createInterface({ input: running.stdout! });
    const line = await new Promise<string>((resolve) =>
      lines.on('line', (l) => {
        if (l.startsWith('UI ')) resolve(l);
      }),
    );
    const [, base, token] = UI_LINK.exec(line)!;
    return { base: base!, token: token! };
  }

  async function stopServe(): Promise<void> {
    const child = running;
    running = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  const listServers = (base: string, token: string) =>
    fetch(`${base}/api/servers.list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });

  beforeAll(() => {
    folder = makeDataDir({ mcpServers: {} });
  });
  afterAll(async () => {
    await stopServe();
    removeDataDir(folder);
  });

  it('is the same at the next start, so a bookmarked link still opens the UI', async () => {
    const first = await serveOnce();
    await stopServe();
    const second = await serveOnce();
    expect(second.token).toBe(first.token);
    expect((await listServers(second.base, first.token)).status).toBe(200);
    // `airlock ui-token` prints the same link, pointing at the running serve, as its last line.
    const printed = airlock(['ui-token', '--data-dir', folder], { AIRLOCK_UI_TOKEN: '' });
    expect(printed.code).toBe(0);
    expect(printed.stdout.trim().split('\n').at(-1)).toBe(`${second.base}/#token=${second.token}`);
  });

  it('is replaced by `airlock ui-token --regenerate`: the running serve ends the old token’s stream and refuses it', async () => {
    await stopServe();
    const { base, token: old } = await serveOnce();
    // An event stream opened with the old token is ended too, without any request to notice.
    const controller = new AbortController();
    const stream = await fetch(`${base}/api/events?token=${old}`, { signal: controller.signal });
    expect(stream.status).toBe(200);
    const streamEnded = (async () => {
      try {
        for await (const _chunk of stream.body as unknown as AsyncIterable<Uint8Array>);
      } catch {
        // a reset connection ends it as well
      }
    })();

    const regenerated = airlock(['ui-token', '--regenerate', '--data-dir', folder], {
      AIRLOCK_UI_TOKEN: '',
    });
    expect(regenerated.code).toBe(0);
    const link = UI_LINK.exec(regenerated.stdout.trim().split('\n').at(-1)!);
    expect(link, regenerated.stdout).not.toBeNull();
    const [, linkBase, fresh] = link!;
    expect(linkBase).toBe(base);
    expect(fresh).not.toBe(old);

    await streamEnded;
    expect((await listServers(base, old)).status).toBe(401);
    expect((await listServers(base, fresh!)).status).toBe(200);
    controller.abort();
  });

  it('says when AIRLOCK_UI_TOKEN would take its place', () => {
    const printed = airlock(['ui-token', '--data-dir', folder], {
      AIRLOCK_UI_TOKEN: 'chosen-token-0123456789',
    });
    expect(printed.code).toBe(0);
    expect(printed.stderr).toMatch(/AIRLOCK_UI_TOKEN is set.*uses that token instead/);
  });
});

describe('airlock connect without a running Airlock', () => {
  it('answers each request with an error that says Airlock could not be reached', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const bridged = await airlockAsync(
      ['connect', 'meatspace', '--url', url, '--token', 'alk_x'],
      {},
      INITIALIZE_LINE,
    );
    expect(bridged.code).toBe(0);
    const answer = JSON.parse(bridged.stdout.trim());
    expect(answer.id).toBe(1);
    expect(answer.error.message).toContain(`could not be reached at ${url} (ECONNREFUSED)`);
  });
});

describe('npx airlock', () => {
  it('runs the clone’s own command', () => {
    const result = spawnSync('npx', ['--no-install', 'airlock', '--help'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Usage: airlock/);
  });
});
