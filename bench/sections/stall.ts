// Whether the history's heavy work stalls the proxy: `airlock serve` on a history of a million
// calls over 30 days, with retention set to 29 days so it prunes the oldest day as it starts, and
// then the heaviest Activity requests (a prefix search, hourly counts over 30 days for part of a
// tool name and unfiltered, an export of 10,000 calls), while an agent sends an allowed call every
// few milliseconds. Inside Airlock (through its inspector) a histogram records how late its event
// loop ran each millisecond's timer: the proxy's stall itself. A call's round trip shows it too,
// with whatever the machine's two cores add (the worker thread's CPU competes with the proxy's).
import { writeFileSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { historyPath } from '../../src/main/adapters/files/data-dir';
import { openDatabase } from '../../src/main/adapters/sqlite/database';
import { AppApi } from '../lib/app-api';
import { InspectorSession } from '../lib/inspector';
import { callBenchTool, checkBenchTool, closeQuietly, connectHttp } from '../lib/clients';
import { fixed, formatTable, target } from '../lib/report';
import { prepareDataDir, SERVER_IDS, startAirlock } from '../lib/servers';
import { percentile } from '../lib/stats';
import { historyStore, loadPastCalls } from './history';
import { scaled, type Section } from './section';

/** The longest Airlock's event loop may be held while the history works. */
const MAX_STALL_MS = 50;
const DAY_MS = 86_400_000;
/** The agent's pause between one call's answer and its next call. */
const PROBE_GAP_MS = 5;
const BASELINE_MS = 3_000;
const QUERY_ROUNDS = 3;
/** How long the prune may take before the section stops waiting for it. */
const PRUNE_WAIT_MS = 120_000;

interface Phase {
  label: string;
  latencies: number[];
  /** Airlock's event-loop delay over the phase, ms. */
  loop?: { p99: number; max: number };
}

/** Starts a 1 ms event-loop delay histogram in Airlock's main thread. */
const START_LOOP_HISTOGRAM = `globalThis.__benchLoop = require('node:perf_hooks')
  .monitorEventLoopDelay({ resolution: 1 }); globalThis.__benchLoop.enable(); true`;
/** The histogram's p99 and max since the last read (ms), then starts it over. */
const READ_LOOP_HISTOGRAM = `(() => { const h = globalThis.__benchLoop;
  const read = { p99: h.percentile(99) / 1e6, max: h.max / 1e6 }; h.reset(); return read; })()`;

export const stall: Section = {
  name: 'stall',
  title: 'The proxy while the history prunes and answers heavy queries',
  async run(ctx) {
    const rows = scaled(ctx, 1_000_000, 10_000);
    const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-stall-'));
    try {
      const dataDir = join(dir, 'data');
      const token = prepareDataDir(dataDir, ctx.fixtureHttp.url);
      const configFile = join(dataDir, 'config.json');
      const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
      writeFileSync(configFile, JSON.stringify({ ...config, settings: { retentionDays: 29 } }));
      const end = Date.now();
      const loadSeconds = writeHistory(historyPath(dataDir), rows, end);
      const cutoff = end - 29 * DAY_MS;

      const airlock = await startAirlock(ctx.group, dataDir, token);
      const started = performance.now();
      const [, inspectorUrl] = await airlock.handle.waitForLine(/Debugger listening on (ws:\S+)/);
      const inspector = await InspectorSession.connect(inspectorUrl!);
      const agent = await connectHttp(airlock.endpointFor(SERVER_IDS.http), token);
      const probe = new Probe(() => callBenchTool(agent));
      await inspector.evaluate(START_LOOP_HISTOGRAM);
      // Reading the histogram resets it, so each phase counts only its own delays (and the first
      // phase not the warm-up before it: the agent's first connection and call).
      const switchTo = async (next: Phase | undefined) => {
        const loop = (await inspector.evaluate(READ_LOOP_HISTOGRAM)) as Phase['loop'];
        if (probe.current) probe.current.loop = loop;
        probe.switchTo(next);
      };
      const api = new AppApi(airlock.url, airlock.uiToken);
      try {
        await checkBenchTool(agent, 'stall');
        const newPhase = (label: string): Phase => ({ label, latencies: [] });
        const probing = probe.run();

        // The prune of the oldest day began when Airlock started; it is over once no call
        // older than the cutoff is left.
        const prune = newPhase('while pruning the oldest day');
        await switchTo(prune);
        let pruneMs: number | undefined;
        while (performance.now() - started < PRUNE_WAIT_MS) {
          const { calls } = await api.call('history.query', { to: cutoff, limit: 1 });
          if (calls.length === 0) {
            pruneMs = performance.now() - started;
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }

        const queryMs: Record<string, number[]> = {};
        const ask = async (phase: Phase, queries: [string, () => Promise<unknown>][]) => {
          await switchTo(phase);
          for (let round = 0; round < QUERY_ROUNDS; round++) {
            for (const [label, send] of queries) {
              const t0 = performance.now();
              await send();
              (queryMs[label] ??= []).push(performance.now() - t0);
            }
          }
        };
        const queries = newPhase('while Activity searches and counts');
        await ask(queries, heavyQueries(api));
        const exports = newPhase('while Activity exports 10,000 calls');
        await ask(exports, [
          [
            'export of 10,000 calls as JSON Lines',
            () => api.call('history.export', { format: 'jsonl', limit: 10_000 }),
          ],
        ]);

        const quiet = newPhase('quiet (nothing but the calls)');
        await switchTo(quiet);
        await new Promise((resolve) => setTimeout(resolve, BASELINE_MS));
        await switchTo(undefined);
        probe.stop();
        await probing;

        const table = [prune, queries, exports, quiet].map((phase) => {
          const sorted = [...phase.latencies].sort((a, b) => a - b);
          return [
            phase.label,
            fixed(phase.loop?.p99, 1),
            fixed(phase.loop?.max, 1),
            String(sorted.length),
            fixed(percentile(sorted, 0.5), 2),
            fixed(percentile(sorted, 0.99), 2),
            fixed(sorted.at(-1), 1),
          ];
        });
        const targets = [prune, queries, exports].map((phase) =>
          target(
            'stall',
            `Airlock's longest event-loop stall ${phase.label}, at ${rows} calls`,
            `${fixed(phase.loop?.max, 1)} ms ≤ ${MAX_STALL_MS} ms (p99 ${fixed(phase.loop?.p99, 1)} ms)`,
            // No call during the prune: it ran before Airlock listened, on the proxy's thread.
            phase.latencies.length > 0 &&
              phase.loop !== undefined &&
              phase.loop.max <= MAX_STALL_MS,
          ),
        );
        return {
          lines: [
            `History of ${rows} calls over 30 days (written in ${fixed(loadSeconds, 0)} s), retention 29 days.`,
            `Airlock's event-loop delay (1 ms histogram inside it), and an agent's allowed calls, one`,
            `${PROBE_GAP_MS} ms after each answer, round trips; all in ms.`,
            pruneMs === undefined
              ? `The prune of the oldest day did not end within ${PRUNE_WAIT_MS / 1000} s.`
              : `The oldest day was gone ${fixed(pruneMs / 1000, 1)} s after Airlock started` +
                (prune.latencies.length === 0
                  ? " (before the first call: it ran on the proxy's thread before Airlock listened)."
                  : '.'),
            '',
            ...formatTable(
              ['phase', 'loop delay p99', 'loop max', 'calls', 'call p50', 'call p99', 'call max'],
              table,
            ),
            '',
            `Each heavy query, median of ${QUERY_ROUNDS} (ms, as the UI waits for it):`,
            ...Object.entries(queryMs).map(([label, ms]) => `  ${label}: ${fixed(median(ms), 0)}`),
          ],
          targets,
        };
      } finally {
        inspector.close();
        await closeQuietly([agent]);
        await airlock.handle.kill('SIGTERM');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** What Activity asks that costs the most at a million calls, but the export. */
function heavyQueries(api: AppApi): [string, () => Promise<unknown>][] {
  return [
    ['search by a prefix ("rep*")', () => api.call('history.query', { text: 'rep*', limit: 200 })],
    [
      'hourly counts, 30 days, part of 4 tool names',
      () => api.call('history.counts', { toolContains: 'read' }),
    ],
    ['hourly counts, 30 days, unfiltered', () => api.call('history.counts', {})],
  ];
}

function writeHistory(file: string, rows: number, end: number): number {
  const db = openDatabase(file);
  try {
    const seconds = loadPastCalls(historyStore(db), rows, 7, end);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return seconds;
  } finally {
    db.close();
  }
}

/** Sends one call at a time, each PROBE_GAP_MS after the last answer, into the current phase. */
class Probe {
  current: Phase | undefined;
  private stopped = false;

  constructor(private readonly call: () => Promise<void>) {}

  switchTo(phase: Phase | undefined): void {
    this.current = phase;
  }

  stop(): void {
    this.stopped = true;
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      const phase = this.current;
      const t0 = performance.now();
      await this.call();
      // A call that began in one phase and ended in the next is counted in the one it began in.
      phase?.latencies.push(performance.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, PROBE_GAP_MS));
    }
  }
}

function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}
