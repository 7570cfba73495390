// Runs the built CLI, `airlock serve`, as its own process for the end-to-end tests: a throwaway
// data folder with the MeatSpace fixture as an upstream stdio server, a fixed UI token, port 0.
// Needs `npm run build` (out/main/cli.js and out/renderer) first.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  REPO_ROOT,
  SEED_POLICY_FILE,
} from '../../helpers/airlock-harness';

/** The UI token every served Airlock uses (AIRLOCK_UI_TOKEN wants 16 characters or more). */
export const E2E_UI_TOKEN = 'e2e-ui-token-0123456789abcdef';

/** The id of the upstream server the default config lists. */
export const MEATSPACE_SERVER_ID = 'meatspace';

/** get_service_status runs; provision_api_key waits for a person (up to two minutes). */
export const HELD_KEY_POLICY = {
  version: '1',
  default: 'deny',
  tools: {
    get_service_status: {},
    provision_api_key: {
      action: 'require_approval',
      reason: 'Creates credentials that cannot be recalled',
      approval: { timeout: '2m' },
    },
  },
};

const CLI = resolve(REPO_ROOT, 'bin/airlock.js');
const LISTENING = /^Airlock listening on (http:\/\/127\.0\.0\.1:\d+)\r?\n/m;
const START_TIMEOUT_MS = 15_000;
const KILL_AFTER_MS = 3_000;
/** How much of the child's output is kept to explain a failed start. */
const OUTPUT_TAIL_CHARS = 16_000;

export interface ServeOptions {
  /** config.json; default: the MeatSpace fixture over stdio as "meatspace". */
  config?: Record<string, unknown>;
  /** policies/<id>.json; default: the published seed policy for "meatspace". */
  policies?: Record<string, unknown | string>;
  /** The home folder it looks for MCP clients' configs in (HOME, XDG_CONFIG_HOME); default the runner's. */
  home?: string;
}

export interface ServedAirlock {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The UI's address with its token: url + '/#token=' + token. */
  uiUrl: string;
  /** The UI token (Authorization: Bearer for /api/*). */
  token: string;
  dataDir: string;
  /** Sends one app API command with the UI token; throws if it is refused. */
  api<T>(command: string, input: unknown): Promise<T>;
  /**
   * Creates a grant through the app API and returns its token. (Written into the data folder
   * instead, a grant is noticed within 250 ms; an agent connecting sooner would get a 401.)
   */
  addGrant(name: string): Promise<string>;
  /** Stops the process (SIGTERM, SIGKILL after 3 s) and removes the data folder. */
  close(): Promise<void>;
}

export function defaultServeConfig(): Record<string, unknown> {
  return { mcpServers: { [MEATSPACE_SERVER_ID]: fixtureCommand('meatspace-server.ts', 'stdio') } };
}

/** Starts `node bin/airlock.js serve --data-dir DIR --port 0` and waits until it listens. */
export async function startServe(options: ServeOptions = {}): Promise<ServedAirlock> {
  const dataDir = makeDataDir(
    options.config ?? defaultServeConfig(),
    options.policies ?? { [MEATSPACE_SERVER_ID]: readFileSync(SEED_POLICY_FILE, 'utf8') },
  );
  const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir, '--port', '0'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      AIRLOCK_UI_TOKEN: E2E_UI_TOKEN,
      ...(options.home === undefined
        ? {}
        : { HOME: options.home, XDG_CONFIG_HOME: join(options.home, '.config') }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // 'error' without 'exit' means it never started.
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', () => resolveExit());
    child.once('error', () => resolveExit());
  });

  // Both pipes are drained for the whole life of the child, so it never blocks on a full pipe.
  let output = '';
  let stdout: string | undefined = '';
  const echo = Boolean(process.env.AIRLOCK_TEST_LOG);
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-OUTPUT_TAIL_CHARS);
    if (echo) process.stderr.write(chunk);
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', keep);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const stopped = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(false), KILL_AFTER_MS))),
        ]);
        clearTimeout(timer);
        if (!stopped) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      removeDataDir(dataDir);
    })());

  let url: string;
  try {
    url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`airlock serve did not listen within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      child.stdout.on('data', (chunk: string) => {
        keep(chunk);
        if (stdout === undefined) return;
        stdout += chunk;
        const match = LISTENING.exec(stdout);
        if (match) {
          stdout = undefined; // found: stop collecting
          clearTimeout(timer);
          resolveUrl(match[1]!);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`airlock serve exited (${signal ?? `code ${code}`}) before listening`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } catch (error) {
    await close();
    throw new Error(`${(error as Error).message}; its output:\n${output}`, { cause: error });
  }

  const api = async <T>(command: string, input: unknown): Promise<T> => {
    const response = await fetch(`${url}/api/${command}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${E2E_UI_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    if (!response.ok) throw new Error(`${command}: ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    url,
    uiUrl: `${url}/#token=${encodeURIComponent(E2E_UI_TOKEN)}`,
    token: E2E_UI_TOKEN,
    dataDir,
    api,
    addGrant: async (name) => (await api<{ token: string }>('grants.add', { name })).token,
    close,
  };
}

/** An MCP SDK client connected to `${url}/mcp/<serverId>` with a grant's token, as an agent. */
export async function connectAgent(
  url: string,
  serverId: string,
  agentToken: string,
): Promise<Client> {
  const client = new Client({ name: 'e2e-agent', version: '1.0.0' }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(
    new URL(`${url}/mcp/${encodeURIComponent(serverId)}`),
    { requestInit: { headers: { authorization: `Bearer ${agentToken}` } } },
  );
  await client.connect(transport);
  return client;
}

/** Answers every held call through the app API, as a person would from another window. */
export async function answerAllHeld(
  airlock: ServedAirlock,
  decision: 'allow' | 'deny',
): Promise<void> {
  const { approvals } = await airlock.api<{ approvals: { id: string }[] }>('approvals.list', {});
  for (const { id } of approvals) await airlock.api('approvals.decide', { id, decision });
}

export function denyAllHeld(airlock: ServedAirlock): Promise<void> {
  return answerAllHeld(airlock, 'deny');
}

/** The agent asks for a MeatSpace API key; waits up to a minute, as a held call may. */
export function provisionKey(agent: Client, name: string, email: string) {
  return agent.callTool({ name: 'provision_api_key', arguments: { name, email } }, undefined, {
    timeout: 60_000,
  });
}
