// The cost Airlock adds to an allowed tools/call, for each kind of upstream: against a direct
// connection to the same server, the floor (a bare forwarder: what any HTTP proxy costs on this
// machine) and, where it can serve the same upstream, the peer bridge.
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { readToolDefinition } from '../../src/main/core/tools/tool-definition';
import {
  BENCH_TOOL,
  checkBenchTool,
  closeQuietly,
  connectHttp,
  connectStdio,
} from '../lib/clients';
import { measureCoreWork } from '../lib/core-work';
import { fixed, formatTable, target, type Target } from '../lib/report';
import {
  BENCH_POLICY,
  REPO_ROOT,
  SERVER_IDS,
  STDIO_FIXTURE_ARGS,
  startBareForwarder,
  startPeer,
} from '../lib/servers';
import { compareInterleaved, type Plan, type Variant, type VariantResult } from '../lib/workload';
import { scaled, type BenchContext, type Section, type SectionReport } from './section';

const FLOOR_LEGEND = 'parses, decides and records nothing (bench/lib/bare-forwarder.ts)';
const PARSING_LEGEND =
  'the floor, parsing every message both ways and forwarding its own serialisation (--parse)';

/** The targets: ratios to the floor (or to direct, for p99) measured in the same run. */
const LIMITS = {
  /** Airlock's added p50 (over direct) / the floor's added p50. */
  addedP50VsFloor: 1.25,
  /** Airlock's CPU per call / the floor's. */
  cpuVsFloor: 1.25,
  /** Airlock's calls/s at 16 in flight / the floor's. */
  throughputVsFloor: 0.9,
  /** Airlock's p99 / direct's (HTTP upstream only). */
  p99VsDirect: 1.5,
  /** Airlock's calls/s / mcp-proxy's (stdio upstream, where mcp-proxy can serve). */
  throughputVsPeer: 2,
};

function planFor(ctx: BenchContext): Plan {
  return {
    warmupCalls: scaled(ctx, 1000, 50),
    sequentialRounds: scaled(ctx, 150, 5),
    sequentialBatch: 40,
    concurrentRounds: scaled(ctx, 15, 2),
    concurrentBatch: 400,
    inFlight: 16,
  };
}

export const httpUpstream: Section = {
  name: 'http',
  title: 'Streamable HTTP upstream (stateless fixture, JSON responses)',
  async run(ctx) {
    const clients: Client[] = [];
    try {
      const floorProcess = await startBareForwarder(ctx.group, ctx.fixtureHttp.url);
      const parsingProcess = await startBareForwarder(ctx.group, ctx.fixtureHttp.url, {
        parse: true,
      });
      const direct = await connectHttp(ctx.fixtureHttp.url);
      clients.push(direct);
      const airlock = await connectHttp(
        ctx.airlock.endpointFor(SERVER_IDS.http),
        ctx.airlock.token,
      );
      clients.push(airlock);
      const floor = await connectHttp(floorProcess.url);
      clients.push(floor);
      const parsing = await connectHttp(parsingProcess.url);
      clients.push(parsing);
      return await compare(
        ctx,
        'http',
        [
          { name: 'direct', client: direct },
          { name: 'airlock', client: airlock, proxyPid: ctx.airlock.handle.pid },
          { name: 'floor', client: floor, proxyPid: floorProcess.handle.pid },
          { name: 'parsing', client: parsing, proxyPid: parsingProcess.handle.pid },
        ],
        [
          'direct:  client → fixture (HTTP)',
          'airlock: client → Airlock (HTTP) → fixture (HTTP)',
          `floor:   client → bare forwarder (HTTP) → fixture (HTTP); ${FLOOR_LEGEND}`,
          `parsing: ${PARSING_LEGEND}`,
          'peer:    none; mcp-proxy only bridges a stdio command it spawns, it cannot front an HTTP server',
        ],
      );
    } finally {
      await closeQuietly(clients);
    }
  },
};

export const stdioUpstream: Section = {
  name: 'stdio',
  title: 'stdio upstream',
  async run(ctx) {
    const clients: Client[] = [];
    try {
      const peerProcess = await startPeer(ctx.group);
      const floorProcess = await startBareForwarder(ctx.group);
      const parsingProcess = await startBareForwarder(ctx.group, undefined, { parse: true });
      const direct = await connectStdio(process.execPath, STDIO_FIXTURE_ARGS, REPO_ROOT);
      clients.push(direct);
      const airlock = await connectHttp(
        ctx.airlock.endpointFor(SERVER_IDS.stdio),
        ctx.airlock.token,
      );
      clients.push(airlock);
      const floor = await connectHttp(floorProcess.url);
      clients.push(floor);
      const parsing = await connectHttp(parsingProcess.url);
      clients.push(parsing);
      const peer = await connectHttp(peerProcess.url);
      clients.push(peer);
      const bridge = await connectStdio(
        process.execPath,
        [
          join(REPO_ROOT, 'bin/airlock.js'),
          'connect',
          SERVER_IDS.stdio,
          '--url',
          ctx.airlock.url,
          '--token',
          ctx.airlock.token,
        ],
        REPO_ROOT,
      );
      clients.push(bridge);
      return await compare(
        ctx,
        'stdio',
        [
          { name: 'direct', client: direct },
          { name: 'airlock', client: airlock, proxyPid: ctx.airlock.handle.pid },
          { name: 'floor', client: floor, proxyPid: floorProcess.handle.pid },
          { name: 'parsing', client: parsing, proxyPid: parsingProcess.handle.pid },
          { name: 'mcp-proxy', client: peer, proxyPid: peerProcess.handle.pid },
          { name: 'bridge', client: bridge, proxyPid: ctx.airlock.handle.pid },
        ],
        [
          'direct:    client spawns fixture (stdio)',
          'airlock:   client → Airlock (HTTP) → fixture spawned by Airlock (stdio)',
          `floor:     client → bare forwarder (HTTP) → fixture spawned by it (stdio); ${FLOOR_LEGEND}`,
          `parsing:   ${PARSING_LEGEND}`,
          `mcp-proxy: client → mcp-proxy ${peerProcess.version} (HTTP, /mcp, defaults) → fixture spawned by mcp-proxy (stdio)`,
          'bridge:    client spawns `airlock connect` (stdio) → Airlock (HTTP) → fixture spawned by Airlock (stdio); proxy CPU is Airlock’s alone',
          'direct pays no HTTP hop at all; airlock, both floors and mcp-proxy each add one',
        ],
      );
    } finally {
      await closeQuietly(clients);
    }
  },
};

async function compare(
  ctx: BenchContext,
  name: string,
  variants: Variant[],
  legend: string[],
): Promise<SectionReport> {
  for (const variant of variants) await checkBenchTool(variant.client, `${name}/${variant.name}`);
  const plan = planFor(ctx);
  const results = await compareInterleaved(variants, plan);
  const direct = variants.find((variant) => variant.name === 'direct');
  const core = direct ? await coreWorkLines(ctx, direct.client, results) : [];
  const rows = results.map((r) => [
    r.name,
    fixed(r.latency.p50),
    fixed(r.latency.p99),
    fixed(r.latency.mean),
    r.callsPerSecond.toFixed(0),
    fixed(r.proxyCpuMsPerCall),
    fixed(r.clientCpuMsPerCall),
  ]);
  return {
    lines: [
      ...legend,
      `${plan.sequentialRounds}×${plan.sequentialBatch} sequential and ${plan.concurrentRounds}×${plan.concurrentBatch} concurrent calls per variant, interleaved, after ${plan.warmupCalls} warm-up calls`,
      '',
      ...formatTable(
        [
          'variant',
          'p50 ms',
          'p99 ms',
          'mean ms',
          `calls/s (${plan.inFlight} in flight)`,
          'proxy CPU ms/call',
          'client CPU ms/call',
        ],
        rows,
      ),
      ...idleLines(results),
      ...parsingLines(results),
      ...core,
      ...bridgeLines(results),
    ],
    targets: targetsFor(name, results),
  };
}

/** What each proxy spends with no calls; taken off its CPU per call for the time it waited. */
function idleLines(results: readonly VariantResult[]): string[] {
  const idle = results.flatMap((r) =>
    r.proxyIdleCpuMsPerSecond === undefined
      ? []
      : [`${r.name} ${r.proxyIdleCpuMsPerSecond.toFixed(1)}`],
  );
  return idle.length === 0
    ? []
    : ['', `idle proxy CPU, ms per second with no calls (reported, no target): ${idle.join(', ')}`];
}

/** One of the targets, read off Airlock's result against the others in the same run. */
interface RatioTarget {
  label: string;
  /** Undefined when the run has no variant to compare with. */
  value(byName: ReadonlyMap<string, VariantResult>): number | undefined;
  met(value: number): boolean;
  /** The limit as printed after the value, e.g. "≤ 1.25×". */
  limit: string;
}

const times = (value: number) => `${fixed(value, 2)}×`;

/** Milliseconds a variant adds to direct's p50. */
const addedP50 = (variant: VariantResult, direct: VariantResult) =>
  variant.latency.p50 - direct.latency.p50;

/** `read` of variant `over` divided by `read` of variant `under`, if the run has both. */
function ratio(
  byName: ReadonlyMap<string, VariantResult>,
  over: string,
  under: string,
  read: (result: VariantResult) => number,
): number | undefined {
  const a = byName.get(over);
  const b = byName.get(under);
  return a && b ? read(a) / read(b) : undefined;
}

const callsPerSecond = (result: VariantResult) => result.callsPerSecond;

const RATIO_TARGETS: readonly RatioTarget[] = [
  {
    label: 'added p50 airlock / floor (each over direct)',
    value: (byName) => {
      const direct = byName.get('direct');
      return direct && ratio(byName, 'airlock', 'floor', (r) => addedP50(r, direct));
    },
    met: (value) => value <= LIMITS.addedP50VsFloor,
    limit: `≤ ${LIMITS.addedP50VsFloor}×`,
  },
  {
    label: 'CPU per call airlock / floor',
    value: (byName) => ratio(byName, 'airlock', 'floor', (r) => r.proxyCpuMsPerCall ?? NaN),
    met: (value) => value <= LIMITS.cpuVsFloor,
    limit: `≤ ${LIMITS.cpuVsFloor}×`,
  },
  {
    label: 'throughput airlock / floor',
    value: (byName) => ratio(byName, 'airlock', 'floor', callsPerSecond),
    met: (value) => value >= LIMITS.throughputVsFloor,
    limit: `≥ ${LIMITS.throughputVsFloor}×`,
  },
  {
    label: 'throughput airlock / mcp-proxy',
    value: (byName) => ratio(byName, 'airlock', 'mcp-proxy', callsPerSecond),
    met: (value) => value >= LIMITS.throughputVsPeer,
    limit: `≥ ${LIMITS.throughputVsPeer}×`,
  },
];

/** p99 against direct is a target over HTTP only: over stdio, direct pays no HTTP hop at all. */
const P99_TARGET: RatioTarget = {
  label: 'p99 airlock / direct',
  value: (byName) => ratio(byName, 'airlock', 'direct', (r) => r.latency.p99),
  met: (value) => value <= LIMITS.p99VsDirect,
  limit: `≤ ${LIMITS.p99VsDirect}×`,
};

/** The targets for Airlock in one section, each a ratio measured in this run. */
function targetsFor(section: string, results: readonly VariantResult[]): Target[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  const goals = section === 'http' ? [...RATIO_TARGETS, P99_TARGET] : RATIO_TARGETS;
  const targets: Target[] = [];
  for (const goal of goals) {
    const value = goal.value(byName);
    if (value === undefined) continue;
    targets.push(target(section, goal.label, `${times(value)} ${goal.limit}`, goal.met(value)));
  }
  return targets;
}

/**
 * Airlock against the floor that parses and re-serialises every message: reported, with no
 * target, so the cost of parsing can be told from what Airlock does with what it parsed.
 */
function parsingLines(results: readonly VariantResult[]): string[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  const direct = byName.get('direct');
  const added = direct && ratio(byName, 'airlock', 'parsing', (r) => addedP50(r, direct));
  const cpu = ratio(byName, 'airlock', 'parsing', (r) => r.proxyCpuMsPerCall ?? NaN);
  const throughput = ratio(byName, 'airlock', 'parsing', callsPerSecond);
  const parsingCpu = ratio(byName, 'parsing', 'floor', (r) => r.proxyCpuMsPerCall ?? NaN);
  if (added === undefined || cpu === undefined || throughput === undefined) return [];
  return [
    '',
    `against the parsing floor (reported, no target): added p50 ${times(added)}, CPU ${times(cpu)}, ` +
      `throughput ${times(throughput)}; the parsing floor's CPU is ${times(parsingCpu ?? NaN)} the floor's`,
  ];
}

/**
 * Airlock's own work per call measured on its own (bench/lib/core-work.ts), against what the CPU
 * target leaves over the floor: reported, with no target, so a run shows how much of that budget
 * the work every call must do takes before any HTTP or MCP plumbing. The tool's definition and
 * result are the fixture's own, read through `direct`.
 */
async function coreWorkLines(
  ctx: BenchContext,
  direct: Client,
  results: readonly VariantResult[],
): Promise<string[]> {
  const floorCpuMs = results.find((r) => r.name === 'floor')?.proxyCpuMsPerCall;
  if (floorCpuMs === undefined) return [];
  const { tools } = await direct.listTools();
  const seen = readToolDefinition(tools.find((tool) => tool.name === BENCH_TOOL));
  if (seen === undefined) throw new Error(`the fixture does not list ${BENCH_TOOL}`);
  const result = await direct.callTool({ name: BENCH_TOOL, arguments: {} });
  const calls = scaled(ctx, 20_000, 2_000);
  const work = await measureCoreWork({
    policy: BENCH_POLICY,
    server: 'bench',
    tool: BENCH_TOOL,
    seen,
    result,
    warmupCalls: scaled(ctx, 5_000, 500),
    calls,
    batch: 100,
  });
  if (work.rows < calls || work.counterEvents < calls) {
    throw new Error(
      `core work: ${work.rows} rows and ${work.counterEvents} counted calls for ${calls} calls`,
    );
  }
  const parts = [
    ['authenticating the grant', work.authenticateUs],
    ['parsing and serialising the call and its answer', work.messagesUs],
    ['deciding and recording', work.decideAndRecordUs],
    ['batch writes (100 calls a batch)', work.writesUs],
  ] as const;
  const totalUs = parts.reduce((sum, [, us]) => sum + us, 0);
  const budgetUs = (LIMITS.cpuVsFloor - 1) * floorCpuMs * 1000;
  return [
    '',
    "Airlock's own work per call, in this process without HTTP or MCP plumbing (bench/lib/core-work.ts; reported, no target):",
    parts.map(([what, us]) => `${what} ${fixed(us, 1)} µs`).join(', ') +
      ` = ${fixed(totalUs, 1)} µs, which is ${Math.round((100 * totalUs) / budgetUs)} % of the ` +
      `${fixed(budgetUs, 1)} µs the CPU target leaves over the floor (${fixed(LIMITS.cpuVsFloor - 1, 2)} × ${fixed(floorCpuMs)} ms)`,
  ];
}

/**
 * The stdio bridge against the agent spawning the server itself: reported, with no target yet
 * (the bridge adds a process and an HTTP hop that direct does not pay).
 */
function bridgeLines(results: readonly VariantResult[]): string[] {
  const bridge = results.find((r) => r.name === 'bridge');
  const direct = results.find((r) => r.name === 'direct');
  if (!bridge || !direct) return [];
  return [
    '',
    `stdio bridge (airlock connect) against direct: added p50 ${fixed(addedP50(bridge, direct))} ms, ` +
      `throughput ${times(bridge.callsPerSecond / direct.callsPerSecond)} (reported, no target)`,
  ];
}
