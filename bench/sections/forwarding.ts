// The cost Airlock adds to an allowed tools/call, for each kind of upstream: against a direct
// connection to the same server, the floor (a bare forwarder: what any HTTP proxy costs on this
// machine) and, where it can serve the same upstream, the peer bridge.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { checkBenchTool, closeQuietly, connectHttp, connectStdio } from '../lib/clients';
import { fixed, formatTable, target, type Target } from '../lib/report';
import {
  REPO_ROOT,
  SERVER_IDS,
  STDIO_FIXTURE_ARGS,
  startBareForwarder,
  startPeer,
} from '../lib/servers';
import { compareInterleaved, type Plan, type Variant, type VariantResult } from '../lib/workload';
import { scaled, type BenchContext, type Section, type SectionReport } from './section';

const FLOOR_LEGEND = 'parses, decides and records nothing (bench/lib/bare-forwarder.ts)';

const LIMITS = {
  addedP50Ms: 0.5,
  p99Ratio: 1.5,
  throughputRatio: 0.5,
  cpuMsPerCall: 0.5,
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
      const direct = await connectHttp(ctx.fixtureHttp.url);
      clients.push(direct);
      const airlock = await connectHttp(
        ctx.airlock.endpointFor(SERVER_IDS.http),
        ctx.airlock.token,
      );
      clients.push(airlock);
      const floor = await connectHttp(floorProcess.url);
      clients.push(floor);
      return await compare(
        ctx,
        'http',
        [
          { name: 'direct', client: direct },
          { name: 'airlock', client: airlock, proxyPid: ctx.airlock.handle.pid },
          { name: 'floor', client: floor, proxyPid: floorProcess.handle.pid },
        ],
        [
          'direct:  client → fixture (HTTP)',
          'airlock: client → Airlock (HTTP) → fixture (HTTP)',
          `floor:   client → bare forwarder (HTTP) → fixture (HTTP); ${FLOOR_LEGEND}`,
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
      const direct = await connectStdio(process.execPath, STDIO_FIXTURE_ARGS, REPO_ROOT);
      clients.push(direct);
      const airlock = await connectHttp(
        ctx.airlock.endpointFor(SERVER_IDS.stdio),
        ctx.airlock.token,
      );
      clients.push(airlock);
      const floor = await connectHttp(floorProcess.url);
      clients.push(floor);
      const peer = await connectHttp(peerProcess.url);
      clients.push(peer);
      return await compare(
        ctx,
        'stdio',
        [
          { name: 'direct', client: direct },
          { name: 'airlock', client: airlock, proxyPid: ctx.airlock.handle.pid },
          { name: 'floor', client: floor, proxyPid: floorProcess.handle.pid },
          { name: 'mcp-proxy', client: peer, proxyPid: peerProcess.handle.pid },
        ],
        [
          'direct:    client spawns fixture (stdio)',
          'airlock:   client → Airlock (HTTP) → fixture spawned by Airlock (stdio)',
          `floor:     client → bare forwarder (HTTP) → fixture spawned by it (stdio); ${FLOOR_LEGEND}`,
          `mcp-proxy: client → mcp-proxy ${peerProcess.version} (HTTP, /mcp, defaults) → fixture spawned by mcp-proxy (stdio)`,
          'direct pays no HTTP hop at all; airlock, the floor and mcp-proxy each add one',
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
    ],
    targets: targetsFor(name, results),
  };
}

/** One of the targets, read off a variant against the direct connection. */
interface RatioTarget {
  label: string;
  value(variant: VariantResult, direct: VariantResult): number;
  met(value: number): boolean;
  format(value: number): string;
  /** The limit as printed after the value, e.g. "≤ 0.5 ms". */
  limit: string;
}

const ms = (value: number) => `${fixed(value)} ms`;
const times = (value: number) => `${fixed(value, 2)}×`;

const RATIO_TARGETS: readonly RatioTarget[] = [
  {
    label: 'added p50 (airlock − direct)',
    value: (v, d) => v.latency.p50 - d.latency.p50,
    met: (added) => added <= LIMITS.addedP50Ms,
    format: ms,
    limit: `≤ ${LIMITS.addedP50Ms} ms`,
  },
  {
    label: 'p99 airlock / direct',
    value: (v, d) => v.latency.p99 / d.latency.p99,
    met: (ratio) => ratio <= LIMITS.p99Ratio,
    format: times,
    limit: `≤ ${LIMITS.p99Ratio}×`,
  },
  {
    label: 'throughput airlock / direct',
    value: (v, d) => v.callsPerSecond / d.callsPerSecond,
    met: (ratio) => ratio >= LIMITS.throughputRatio,
    format: times,
    limit: `≥ ${LIMITS.throughputRatio}×`,
  },
  {
    label: 'Airlock CPU per call',
    value: (v) => v.proxyCpuMsPerCall ?? Number.NaN,
    met: (cpu) => cpu <= LIMITS.cpuMsPerCall,
    format: ms,
    limit: `≤ ${LIMITS.cpuMsPerCall} ms`,
  },
];

/**
 * The targets for Airlock, each with the floor's value beside it: a target the bare
 * forwarder misses too is out of reach for any HTTP proxy on this machine, not Airlock's doing.
 */
function targetsFor(section: string, results: readonly VariantResult[]): Target[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  const direct = byName.get('direct')!;
  const airlock = byName.get('airlock')!;
  const floor = byName.get('floor')!;
  const targets = RATIO_TARGETS.map((goal) => {
    const value = goal.value(airlock, direct);
    const floorValue = goal.value(floor, direct);
    const reach = goal.met(floorValue) ? '' : ', out of reach for any HTTP proxy here';
    return target(
      section,
      goal.label,
      `${goal.format(value)} ${goal.limit} (floor: ${goal.format(floorValue)}${reach})`,
      goal.met(value),
    );
  });
  const peer = byName.get('mcp-proxy');
  if (peer) {
    targets.push(
      target(
        section,
        'p50 airlock < mcp-proxy',
        `${fixed(airlock.latency.p50)} ms vs ${fixed(peer.latency.p50)} ms`,
        airlock.latency.p50 < peer.latency.p50,
      ),
      target(
        section,
        'throughput airlock > mcp-proxy',
        `${airlock.callsPerSecond.toFixed(0)} vs ${peer.callsPerSecond.toFixed(0)} calls/s`,
        airlock.callsPerSecond > peer.callsPerSecond,
      ),
    );
  }
  return targets;
}
