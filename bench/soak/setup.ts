// The soak's world: a data folder with two upstream servers (the hostile stdio server, recording
// every line it reads, and the MeatSpace fixture over HTTP, tracing every tools/call), the
// policies the soak switches between, the grants its agents start with, and the built
// `airlock serve` on port 0.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGrant } from '../../src/main/adapters/files/grants';
import type { ProcessGroup } from '../lib/processes';
import {
  REPO_ROOT,
  startAirlock,
  startFixtureHttp,
  type AirlockProcess,
  type FixtureHttp,
} from '../lib/servers';

export const STDIO_SERVER = 'hostile';
export const HTTP_SERVER = 'meatspace';
const HOSTILE = resolve(REPO_ROOT, 'test/fixtures/hostile-server.ts');

/** Short, so that calls nobody answers time out many times over during a run. */
export const APPROVAL_TIMEOUT_MS = 5000;

const echoLimit = { counter: 'echo', window: 'second', max: 8, scope: 'grant' };
const hostileTools = {
  echo: { limits: [echoLimit] },
  provision_api_key: { action: 'require_approval', reason: 'Mints keys that cannot be recalled' },
  crash: { action: 'allow' },
  big: { action: 'deny', reason: 'Never needed in the soak' },
};
const meatspaceTools = {
  get_service_status: {
    limits: [{ counter: 'status', window: 'second', max: 6, scope: 'grant' }],
  },
  provision_api_key: {
    action: 'require_approval',
    reason: 'Creates credentials that cannot be recalled',
    approval: { timeout: `${APPROVAL_TIMEOUT_MS / 1000}s` },
  },
  ask_human: { action: 'deny', reason: 'No reviewers in the soak' },
};

/**
 * The valid policies each server cycles through. Whatever the variant, `big`, `twice` (unlisted)
 * and `ask_human` are refused: the checks hold that against the history.
 */
export const POLICY_VARIANTS: Record<string, unknown[]> = {
  [STDIO_SERVER]: [
    { version: '1', default: 'deny', tools: hostileTools },
    {
      version: '1',
      default: 'deny',
      tools: { ...hostileTools, echo: { action: 'require_approval', reason: 'Echo held now' } },
    },
    {
      version: '1',
      default: 'deny',
      tools: hostileTools,
      grants: { bob: { tools: { echo: { action: 'deny', reason: 'bob may not echo now' } } } },
    },
  ],
  [HTTP_SERVER]: [
    { version: '1', default: 'deny', tools: meatspaceTools },
    {
      version: '1',
      default: 'deny',
      tools: {
        ...meatspaceTools,
        get_service_status: { action: 'require_approval' },
        provision_api_key: { action: 'deny', reason: 'Key minting is paused' },
      },
    },
    {
      version: '1',
      default: 'deny',
      tools: {
        ...meatspaceTools,
        get_service_status: {
          limits: [{ counter: 'status-all', window: 'second', max: 10, scope: 'global' }],
        },
      },
    },
  ],
};

export const ALWAYS_DENIED = [
  { server: STDIO_SERVER, tool: 'big' },
  { server: STDIO_SERVER, tool: 'twice' },
  { server: HTTP_SERVER, tool: 'ask_human' },
];

/**
 * Policy texts Airlock must reject, leaving the last good policy in force. The last would allow
 * everything (and `big` by name) if an unknown key were ignored rather than refused.
 */
export const INVALID_POLICIES = [
  '{"version": "1", "default": "deny", "tools": {',
  JSON.stringify({ version: '1', default: 'sometimes' }),
  JSON.stringify({
    version: '1',
    default: 'allow',
    tools: { big: { action: 'allow' }, ask_human: { action: 'allow' } },
    toolz: {},
  }),
];

export function policyText(policy: unknown): string {
  return JSON.stringify(policy, null, 2) + '\n';
}

export interface SoakWorld {
  dataDir: string;
  recordFile: string;
  traceFile: string;
  airlock: AirlockProcess;
  fixtureHttp: FixtureHttp;
  /** The MeatSpace fixture's port, kept across its restarts. */
  httpPort: number;
  /** Tokens of the grants the soak starts with, by name. */
  tokens: Map<string, string>;
}

export async function startWorld(
  group: ProcessGroup,
  tmp: string,
  grants: readonly string[],
): Promise<SoakWorld> {
  const recordFile = join(tmp, 'hostile-record.jsonl');
  const traceFile = join(tmp, 'meatspace-trace.jsonl');
  writeFileSync(recordFile, '');
  writeFileSync(traceFile, '');
  const fixtureHttp = await startFixtureHttp(group, { env: { MEATSPACE_TRACE_FILE: traceFile } });
  const dataDir = join(tmp, 'data');
  mkdirSync(join(dataDir, 'policies'), { recursive: true, mode: 0o700 });
  const config = {
    mcpServers: {
      [STDIO_SERVER]: {
        command: process.execPath,
        args: ['--import', 'tsx', HOSTILE],
        cwd: REPO_ROOT,
        env: { RECORD_FILE: recordFile },
      },
      [HTTP_SERVER]: { url: fixtureHttp.url },
    },
    settings: { approvalTimeout: `${APPROVAL_TIMEOUT_MS / 1000}s`, upstreamTimeout: '15s' },
  };
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify(config, null, 2));
  for (const [server, variants] of Object.entries(POLICY_VARIANTS)) {
    writeFileSync(join(dataDir, 'policies', `${server}.json`), policyText(variants[0]));
  }
  const tokens = new Map(grants.map((name) => [name, createGrant(dataDir, name).token]));
  const airlock = await startAirlock(group, dataDir, '');
  return {
    dataDir,
    recordFile,
    traceFile,
    airlock,
    fixtureHttp,
    httpPort: Number(new URL(fixtureHttp.url).port),
    tokens,
  };
}
