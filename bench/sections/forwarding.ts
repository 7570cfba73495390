// The cost Airlock adds to an allowed tools/call, for each kind of upstream: against a direct
// connection to the same server and, where it can serve the same upstream, the peer bridge.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { checkBenchTool, closeQuietly, connectHttp, connectStdio } from '../lib/clients';
import { fixed, formatTable, target, type Target } from '../lib/report';
import { REPO_ROOT, SERVER_IDS, STDIO_FIXTURE_ARGS, startPeer } from '../lib/servers';
import { compareInterleaved, type Plan, type Variant, type VariantResult } from '../lib/workload';
import { scaled, type BenchContext, type Section, type SectionReport } from './section';

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
      const direct = await connectHttp(ctx.fixtureHttp.url);
      clients.push(direct);
      const airlock = await connectHttp(
        ctx.airlock.endpointFor(SERVER_IDS.http),
        ctx.airlock.token,
      );
      clients.push(airlock);
      return await compare(
        ctx,
        'http',
        [
          { name: 'direct', client: direct },
          { name: 'airlock', client: airlock, proxyPid: ctx.airlock.handle.pid },
        ],
        [
          'direct:  client → fixture (HTTP)',
          'airlock: client → Airlock (HTTP) → fixture (HTTP)',
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
      const direct = await connectStdio(process.execPath, STDIO_FIXTURE_ARGS, REPO_ROOT);
      clients.push(direct);
      const airlock = await connectHttp(
        ctx.airlock.endpointFor(SERVER_IDS.stdio),
        ctx.airlock.token,
      );
      clients.push(airlock);
      const peer = await connectHttp(peerProcess.url);
      clients.push(peer);
      return await compare(
        ctx,
        'stdio',
        [
          { name: 'direct', client: direct },
          { name: 'airlock', client: airlock, proxyPid: ctx.airlock.handle.pid },
          { name: 'mcp-proxy', client: peer, proxyPid: peerProcess.handle.pid },
        ],
        [
          'direct:    client spawns fixture (stdio)',
          'airlock:   client → Airlock (HTTP) → fixture spawned by Airlock (stdio)',
          `mcp-proxy: client → mcp-proxy ${peerProcess.version} (HTTP, /mcp, defaults) → fixture spawned by mcp-proxy (stdio)`,
          'direct pays no HTTP hop at all; airlock and mcp-proxy both add one',
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

function targetsFor(section: string, results: readonly VariantResult[]): Target[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  const direct = byName.get('direct')!;
  const airlock = byName.get('airlock')!;
  const added = airlock.latency.p50 - direct.latency.p50;
  const p99Ratio = airlock.latency.p99 / direct.latency.p99;
  const throughputRatio = airlock.callsPerSecond / direct.callsPerSecond;
  const cpu = airlock.proxyCpuMsPerCall ?? Number.NaN;
  const targets = [
    target(
      section,
      'added p50 (airlock − direct)',
      `${fixed(added)} ms ≤ ${LIMITS.addedP50Ms} ms`,
      added <= LIMITS.addedP50Ms,
    ),
    target(
      section,
      'p99 airlock / direct',
      `${fixed(p99Ratio, 2)}× ≤ ${LIMITS.p99Ratio}×`,
      p99Ratio <= LIMITS.p99Ratio,
    ),
    target(
      section,
      'throughput airlock / direct',
      `${fixed(throughputRatio, 2)}× ≥ ${LIMITS.throughputRatio}×`,
      throughputRatio >= LIMITS.throughputRatio,
    ),
    target(
      section,
      'Airlock CPU per call',
      `${fixed(cpu)} ms ≤ ${LIMITS.cpuMsPerCall} ms (over ${airlock.proxyCpuCalls} calls)`,
      cpu <= LIMITS.cpuMsPerCall,
    ),
  ];
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
