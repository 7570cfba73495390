// Starts the processes under test: the MeatSpace fixture over HTTP, Airlock's built CLI with a
// throwaway data folder, the bare forwarder (the floor) and the peer bridge mcp-proxy. All bind
// 127.0.0.1.
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGrant } from '../../src/main/adapters/files/grants';
import { BENCH_TOOL } from './clients';
import { freePort, waitForPort, type ChildHandle, type ProcessGroup } from './processes';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = resolve(REPO_ROOT, 'test/fixtures/meatspace-server.ts');
const BARE_FORWARDER = resolve(REPO_ROOT, 'bench/lib/bare-forwarder.ts');

/** node args that run the fixture over stdio; cwd must be REPO_ROOT so `--import tsx` resolves. */
export const STDIO_FIXTURE_ARGS = ['--import', 'tsx', FIXTURE, 'stdio'];

/** Allows the bench tool, with one limit so every call goes through the counter's SQLite append. */
export const BENCH_POLICY = {
  version: '1',
  default: 'deny',
  tools: {
    [BENCH_TOOL]: {
      // A one-second window: the sliding log holds one window of calls, so with a longer window
      // the memory section would see the log fill up rather than a leak.
      limits: [{ counter: 'bench', window: 'second', max: 100_000_000, scope: 'grant' }],
    },
  },
};

export const SERVER_IDS = { http: 'meatspace-http', stdio: 'meatspace-stdio' } as const;

export interface FixtureHttp {
  url: string;
  handle: ChildHandle;
}

/** `port` 0 picks a free one; `env` reaches the fixture (MEATSPACE_TRACE_FILE, say). */
export async function startFixtureHttp(
  group: ProcessGroup,
  options: { port?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<FixtureHttp> {
  const handle = group.spawn(
    'fixture-http',
    process.execPath,
    ['--import', 'tsx', FIXTURE, 'http', String(options.port ?? 0)],
    { cwd: REPO_ROOT, env: { ...process.env, ...options.env } },
  );
  const [, url] = await handle.waitForLine(/^listening (\S+)/);
  return { url: url!, handle };
}

/** The app API token the bench's Airlock uses, so the events section can subscribe. */
export const BENCH_UI_TOKEN = 'bench-ui-token-0123456789abcdef';

export interface AirlockProcess {
  handle: ChildHandle;
  url: string;
  /** The grant's token, for MCP clients. */
  token: string;
  /** The app API's token, for /api. */
  uiToken: string;
  endpointFor(serverId: string): string;
}

/** config.json with both upstreams, the bench policy for each, and one grant; returns its token. */
export function prepareDataDir(dataDir: string, fixtureHttpUrl: string): string {
  mkdirSync(join(dataDir, 'policies'), { recursive: true, mode: 0o700 });
  const config = {
    mcpServers: {
      [SERVER_IDS.http]: { url: fixtureHttpUrl },
      [SERVER_IDS.stdio]: { command: process.execPath, args: STDIO_FIXTURE_ARGS, cwd: REPO_ROOT },
    },
  };
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify(config, null, 2));
  for (const id of Object.values(SERVER_IDS)) {
    writeFileSync(join(dataDir, 'policies', `${id}.json`), JSON.stringify(BENCH_POLICY, null, 2));
  }
  return createGrant(dataDir, 'bench').token;
}

/**
 * Runs `airlock serve` from the build, as a user would. `nodeArgs` go to its node (say,
 * --cpu-prof) so a profile can be taken under exactly the bench's load.
 */
export async function startAirlock(
  group: ProcessGroup,
  dataDir: string,
  token: string,
  nodeArgs: readonly string[] = [],
): Promise<AirlockProcess> {
  const handle = group.spawn(
    'airlock',
    process.execPath,
    [
      // Listens only until the memory section attaches to force collections; idle otherwise.
      '--inspect=127.0.0.1:0',
      ...nodeArgs,
      join(REPO_ROOT, 'bin/airlock.js'),
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--quiet',
    ],
    { cwd: REPO_ROOT, env: { ...process.env, AIRLOCK_UI_TOKEN: BENCH_UI_TOKEN } },
  );
  const [, url] = await handle.waitForLine(/^Airlock listening on (\S+)/);
  return {
    handle,
    url: url!,
    token,
    uiToken: BENCH_UI_TOKEN,
    endpointFor: (serverId) => `${url}/mcp/${serverId}`,
  };
}

export interface BareForwarder {
  handle: ChildHandle;
  url: string;
}

/**
 * The floor (bare-forwarder.ts) in front of the HTTP fixture at `upstreamUrl`, or of a stdio
 * fixture it spawns; with `parse`, the floor that parses and re-serialises every message.
 */
export async function startBareForwarder(
  group: ProcessGroup,
  upstreamUrl?: string,
  options: { parse?: boolean } = {},
): Promise<BareForwarder> {
  const upstream = upstreamUrl
    ? ['http', upstreamUrl]
    : ['stdio', process.execPath, ...STDIO_FIXTURE_ARGS];
  const handle = group.spawn(
    options.parse ? 'parsing-forwarder' : 'bare-forwarder',
    process.execPath,
    ['--import', 'tsx', BARE_FORWARDER, ...(options.parse ? ['--parse'] : []), ...upstream],
    { cwd: REPO_ROOT },
  );
  const [, url] = await handle.waitForLine(/^bare forwarder listening (\S+)/);
  return { handle, url: url! };
}

export interface PeerProcess {
  handle: ChildHandle;
  url: string;
  version: string;
}

/**
 * punkpeye's mcp-proxy serving the stdio fixture over Streamable HTTP at /mcp, with its default
 * settings apart from address and transport. It prints its port before it listens, and only the
 * port it was given, so the bench picks a free port and polls it.
 */
export async function startPeer(group: ProcessGroup): Promise<PeerProcess> {
  const port = await freePort();
  const bin = realpathSync(join(REPO_ROOT, 'node_modules/.bin/mcp-proxy'));
  const handle = group.spawn(
    'mcp-proxy',
    process.execPath,
    [
      bin,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--server',
      'stream',
      '--',
      process.execPath,
      ...STDIO_FIXTURE_ARGS,
    ],
    { cwd: REPO_ROOT },
  );
  await waitForPort(port, handle);
  const { version } = JSON.parse(
    readFileSync(join(REPO_ROOT, 'node_modules/mcp-proxy/package.json'), 'utf8'),
  ) as { version: string };
  return { handle, url: `http://127.0.0.1:${port}/mcp`, version };
}
