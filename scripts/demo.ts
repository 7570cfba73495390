// `npm run demo`: Airlock with a local MeatSpace-like server under a demo policy, and a small
// agent that calls its tools every few seconds, so every part of the UI has something to show.
// Everything lives in a throwaway data folder, removed on exit. Ctrl+C stops it.
//
// DEMO_PORT picks the port (default: a free one); DEMO_INTERVAL_MS the agent's pace (3000).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createGrant } from '../src/main/adapters/files/grants';
import { streamLogger } from '../src/main/adapters/log/stream-logger';
import { startRuntime } from '../src/main/runtime';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER_ID = 'meatspace';

/** Some tools allowed, one under a rate limit, one refused outright, key minting held for a person. */
const DEMO_POLICY = {
  version: '1',
  default: 'deny',
  tools: {
    get_service_status: {
      limits: [{ counter: 'status_checks', window: 'minute', max: 12, scope: 'grant' }],
    },
    ask_human: {
      reason: 'Questions to reviewers must offer at least two clear choices',
      args: {
        type: 'object',
        properties: { title: { type: 'string', minLength: 10 } },
        required: ['title'],
      },
    },
    provision_api_key: {
      action: 'require_approval',
      reason: 'Creates credentials that cannot be recalled',
      approval: { timeout: '2m' },
    },
  },
};

const dataDir = mkdtempSync(join(tmpdir(), 'airlock-demo-'));
mkdirSync(join(dataDir, 'policies'));
writeFileSync(
  join(dataDir, 'config.json'),
  JSON.stringify(
    {
      mcpServers: {
        [SERVER_ID]: {
          command: process.execPath,
          args: [
            '--import',
            'tsx',
            resolve(REPO_ROOT, 'test/fixtures/meatspace-server.ts'),
            'stdio',
          ],
          cwd: REPO_ROOT,
        },
      },
    },
    null,
    2,
  ),
);
writeFileSync(join(dataDir, 'policies', `${SERVER_ID}.json`), JSON.stringify(DEMO_POLICY, null, 2));
const agentToken = createGrant(dataDir, 'demo-agent').token;

const runtime = await startRuntime({
  dataDir,
  port: Number(process.env.DEMO_PORT ?? 0),
  logger: streamLogger(process.stderr, { quiet: true }),
  rendererDir: resolve(REPO_ROOT, 'out/renderer'),
});
process.stdout.write(
  [
    `Airlock demo listening on ${runtime.url}`,
    `UI: ${runtime.uiUrl}`,
    `Data folder (removed on exit): ${dataDir}`,
    'A demo agent now calls the MeatSpace tools every few seconds; provision_api_key waits for you',
    'on the Pending screen. Ctrl+C stops.',
    '',
  ].join('\n'),
);

const agent = new Client({ name: 'demo-agent', version: '1.0.0' });
await agent.connect(
  new StreamableHTTPClientTransport(new URL(runtime.endpointFor(SERVER_ID)), {
    requestInit: { headers: { authorization: `Bearer ${agentToken}` } },
  }),
);

/** What the agent tries, in turn: allowed (until the rate limit), refused by argument rules, held. */
const MOVES: { name: string; arguments: Record<string, unknown> }[] = [
  { name: 'get_service_status', arguments: {} },
  {
    name: 'ask_human',
    arguments: {
      agent_name: 'demo-agent',
      title: 'Ship the release notes today?',
      choices: [
        { id: 'yes', label: 'Yes' },
        { id: 'no', label: 'Not yet' },
      ],
    },
  },
  { name: 'get_service_status', arguments: {} },
  { name: 'ask_human', arguments: { agent_name: 'demo-agent', title: 'Ok?', choices: [] } },
  { name: 'provision_api_key', arguments: { name: 'demo key', email: 'demo@example.com' } },
];

let stopping = false;
/** One key request at a time waits on Pending; the agent does not pile them up. */
let keyRequestWaiting = false;
const intervalMs = Number(process.env.DEMO_INTERVAL_MS ?? 3000);
async function agentLoop(): Promise<void> {
  for (let turn = 0; !stopping; turn++) {
    const move = MOVES[turn % MOVES.length]!;
    const held = move.name === 'provision_api_key';
    if (held && keyRequestWaiting) continue;
    if (held) keyRequestWaiting = true;
    // A held call waits for a person; the agent carries on with its other work meanwhile.
    const call = agent
      .callTool(move, undefined, { timeout: 5 * 60_000, resetTimeoutOnProgress: true })
      .then(
        (result) => {
          const text = (result.content as { text?: string }[])[0]?.text ?? '';
          process.stdout.write(
            `agent: ${move.name} → ${result.isError ? 'refused' : 'ok'}: ${text.slice(0, 100)}\n`,
          );
        },
        (error: Error) => process.stdout.write(`agent: ${move.name} → error: ${error.message}\n`),
      )
      .finally(() => {
        if (held) keyRequestWaiting = false;
      });
    if (!held) await call;
    await new Promise((resolveWait) => setTimeout(resolveWait, intervalMs));
  }
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await agent.close().catch(() => {});
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
void agentLoop();
