// `npm run bench`: what an allowed tools/call costs through Airlock, as ratios against a direct
// connection and the peer bridge measured in the same run. Exits 1 if any target is missed.
//
// BENCH_SCALE=0.2 scales every call count for a quick run (CPU and memory figures get coarser).
// BENCH_ONLY=http,stdio runs only the named sections (http, stdio, memory, history, stall, events, ui).
// The ui section drives the Activity screen in Chromium (/usr/bin/chromium, or CHROMIUM_PATH).
// BENCH_AIRLOCK_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" passes node flags to Airlock.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpuClockName } from './lib/proc';
import { startRunScope } from './lib/processes';
import { formatTargets, machineLines, type Target } from './lib/report';
import { prepareDataDir, startAirlock, startFixtureHttp } from './lib/servers';
import { httpUpstream, stdioUpstream } from './sections/forwarding';
import { decisions } from './sections/decisions';
import { history } from './sections/history';
import { events } from './sections/events';
import { memory } from './sections/memory';
import { stall } from './sections/stall';
import { ui } from './sections/ui';
import type { BenchContext, Section } from './sections/section';

const SECTIONS: readonly Section[] = [
  httpUpstream,
  stdioUpstream,
  memory,
  decisions,
  history,
  stall,
  events,
  ui,
];

function selectSections(value: string | undefined): readonly Section[] {
  if (value === undefined || value.trim() === '') return SECTIONS;
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !SECTIONS.some((section) => section.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_ONLY names unknown sections: ${unknown.join(', ')} (known: ${SECTIONS.map((s) => s.name).join(', ')})`,
    );
  }
  return SECTIONS.filter((section) => names.includes(section.name));
}

function parseScale(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new Error(`BENCH_SCALE must be a positive number, not "${value}"`);
  }
  return scale;
}

async function main(): Promise<number> {
  const scale = parseScale(process.env.BENCH_SCALE);
  const sections = selectSections(process.env.BENCH_ONLY);
  const airlockNodeArgs = (process.env.BENCH_AIRLOCK_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const started = performance.now();
  const { group, tmp, finish } = startRunScope('airlock-bench-');

  console.log('Airlock proxy benchmark');
  for (const line of machineLines()) console.log(line);
  console.log(`CPU time: ${cpuClockName()}; BENCH_SCALE=${scale}`);
  if (sections.length < SECTIONS.length) {
    console.log(`sections: ${sections.map((section) => section.name).join(', ')} only`);
  }
  if (airlockNodeArgs.length > 0) console.log(`Airlock node args: ${airlockNodeArgs.join(' ')}`);

  const targets: Target[] = [];
  try {
    const fixtureHttp = await startFixtureHttp(group);
    const dataDir = join(tmp, 'data');
    const token = prepareDataDir(dataDir, fixtureHttp.url);
    const airlock = await startAirlock(group, dataDir, token, airlockNodeArgs);
    const ctx: BenchContext = { group, airlock, fixtureHttp, scale };

    for (const section of sections) {
      const sectionStarted = performance.now();
      const report = await section.run(ctx);
      const seconds = ((performance.now() - sectionStarted) / 1000).toFixed(1);
      console.log(`\n## ${section.title} (${seconds} s)\n`);
      for (const line of report.lines) console.log(line);
      targets.push(...report.targets);
    }
  } finally {
    await finish();
  }

  console.log('\n## Targets\n');
  for (const line of formatTargets(targets)) console.log(line);
  const failed = targets.filter((t) => !t.pass).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(`\n${targets.length - failed} of ${targets.length} targets met in ${seconds} s`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
