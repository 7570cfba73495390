// `npm run demo` as a newcomer runs it: the script prints the UI's address, its agent's calls
// show up in the history and on Pending within seconds, and Ctrl+C leaves nothing behind.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import type { CommandInput, CommandName } from '../../src/shared/contract';
import { apiCall, REPO_ROOT, TSX_NODE_ARGS } from '../helpers/airlock-harness';

const demo = spawn(process.execPath, [...TSX_NODE_ARGS, join(REPO_ROOT, 'scripts/demo.ts')], {
  cwd: REPO_ROOT,
  env: { ...process.env, DEMO_INTERVAL_MS: '150' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const lines: string[] = [];
createInterface({ input: demo.stdout! }).on('line', (line) => lines.push(line));
demo.stderr!.resume();

afterAll(() => {
  demo.kill('SIGKILL');
});

/** A command through the app API of the demo, with the token from its UI address. */
function api<C extends CommandName>(ui: URL, command: C, input: CommandInput<C>) {
  const token = new URLSearchParams(ui.hash.slice(1)).get('token')!;
  return apiCall({ url: ui.origin }, command, input, token);
}

it(
  'prints the UI address, fills the history and Pending, and cleans up on Ctrl+C',
  { timeout: 60_000 },
  async () => {
    await expect
      .poll(() => lines.some((l) => l.startsWith('UI: ')), { timeout: 20_000 })
      .toBe(true);
    const ui = new URL(lines.find((l) => l.startsWith('UI: '))!.slice('UI: '.length));
    const dataDir = lines.find((l) => l.startsWith('Data folder'))!.replace(/^.*: /, '');
    expect(existsSync(join(dataDir, 'history.sqlite'))).toBe(true);

    // Each kind of decision the demo policy makes, as tool:decision.
    const wanted = [
      'get_service_status:allow',
      'ask_human:allow',
      'ask_human:deny',
      'provision_api_key:pending',
    ];
    const missing = async () => {
      const { calls } = await api(ui, 'history.query', { limit: 100 });
      const seen = new Set(calls.map((c) => `${c.tool}:${c.decision}`));
      return wanted.filter((w) => !seen.has(w));
    };
    await expect.poll(missing, { timeout: 20_000, interval: 250 }).toEqual([]);
    const { approvals } = await api(ui, 'approvals.list', {});
    expect(approvals.some((a) => a.tool === 'provision_api_key')).toBe(true);

    const exited = new Promise<number | null>((resolve) => demo.once('exit', resolve));
    demo.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
  },
);
