// Builds a throwaway data folder, starts Airlock on port 0 in this process, and connects SDK
// clients to it: the real proxy, real SQLite file and real MCP transports, nothing mocked.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createGrant } from '../../src/main/adapters/files/grants';
import { streamLogger } from '../../src/main/adapters/log/stream-logger';
import { silentLogger, type Logger } from '../../src/main/core/ports';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../src/main/runtime';
import type { Approval, CommandInput, CommandName, CommandOutput } from '../../src/shared/contract';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** A byte-for-byte copy of the published seed policy (test/fixtures/seed-policy.test.ts checks it). */
export const SEED_POLICY_FILE = resolve(REPO_ROOT, 'test/fixtures/seed-policy.json');
/** The reference "everything" server's launcher: `node ENTRY stdio | sse | streamableHttp`. */
export const EVERYTHING_SERVER_ENTRY = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);

/** Runs a TypeScript fixture server as a child process. */
export const TSX_NODE_ARGS = ['--import', 'tsx'];

export function fixtureCommand(file: string, ...args: string[]) {
  return {
    command: process.execPath,
    args: [...TSX_NODE_ARGS, resolve(REPO_ROOT, 'test/fixtures', file), ...args],
    cwd: REPO_ROOT,
  };
}

export function makeDataDir(
  config: Record<string, unknown>,
  policies: Record<string, unknown | string> = {},
  parent: string = tmpdir(),
): string {
  const dir = mkdtempSync(join(parent, 'airlock-test-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  mkdirSync(join(dir, 'policies'), { recursive: true });
  for (const [id, policy] of Object.entries(policies)) writePolicy(dir, id, policy);
  return dir;
}

export function writePolicy(dataDir: string, serverId: string, policy: unknown | string): void {
  const text = typeof policy === 'string' ? policy : JSON.stringify(policy, null, 2);
  writeFileSync(join(dataDir, 'policies', `${serverId}.json`), text);
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Set AIRLOCK_TEST_LOG=1 to see Airlock's log while a test runs. */
const defaultLogger: Logger = process.env.AIRLOCK_TEST_LOG
  ? streamLogger(process.stderr)
  : silentLogger;

/** The UI token every test runtime uses, so tests can call the app API over HTTP. */
export const TEST_UI_TOKEN = 'test-ui-token-0123456789abcdef';

export async function startAirlock(
  dataDir: string,
  logger: Logger = defaultLogger,
  options: Partial<RuntimeOptions> = {},
): Promise<Runtime> {
  // Upstream secrets go to the data folder's file, never into the keychain of whoever runs the tests.
  return startRuntime({
    dataDir,
    port: 0,
    logger,
    uiToken: TEST_UI_TOKEN,
    keychain: false,
    ...options,
  });
}

/** Sends one app API command over HTTP, as a script or the browser UI would; throws on an error status. */
export async function apiCall<C extends CommandName>(
  runtime: Pick<Runtime, 'url'>,
  command: C,
  input: CommandInput<C>,
  uiToken = TEST_UI_TOKEN,
): Promise<CommandOutput<C>> {
  const response = await fetch(`${runtime.url}/api/${command}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${uiToken}` },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as CommandOutput<C> & { error?: { message: string } };
  if (!response.ok) {
    throw new Error(
      `${command} → HTTP ${response.status}: ${body.error?.message ?? JSON.stringify(body)}`,
    );
  }
  return body;
}

/** Denies every held call, so none is left for the next test. */
export async function denyHeldCalls(runtime: Pick<Runtime, 'url'>): Promise<void> {
  for (const { id } of (await apiCall(runtime, 'approvals.list', {})).approvals) {
    await apiCall(runtime, 'approvals.decide', { id, decision: 'deny' });
  }
}

/** The held call of `tool` once the pending queue shows one; throws after about 5 s without. */
export async function waitForHeldCall(
  runtime: Pick<Runtime, 'url'>,
  tool: string,
): Promise<Approval> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const { approvals } = await apiCall(runtime, 'approvals.list', {});
    const found = approvals.find((approval) => approval.tool === tool);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no held ${tool} call appeared`);
}

export function addGrant(dataDir: string, name: string): string {
  return createGrant(dataDir, name).token;
}

export interface ConnectOptions {
  capabilities?: ConstructorParameters<typeof Client>[1] extends infer O
    ? O extends { capabilities?: infer C }
      ? C
      : never
    : never;
}

/** An SDK client connected to Airlock's endpoint for one server, as an agent would be. */
export async function connectClient(
  runtime: Runtime,
  serverId: string,
  token: string,
  options: ConnectOptions = {},
): Promise<Client> {
  const client = new Client(
    { name: 'test-agent', version: '1.0.0' },
    { capabilities: options.capabilities ?? {} },
  );
  const transport = new StreamableHTTPClientTransport(new URL(runtime.endpointFor(serverId)), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

/** The text of a CallToolResult's first content block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.find((block) => block.type === 'text')?.text ?? '';
}

/** A client's initialize request as one line of JSON-RPC, for tests that speak raw HTTP or stdio. */
export const INITIALIZE_REQUEST = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw-client', version: '1' },
  },
});
