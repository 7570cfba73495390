// Drives the calls: sequential batches for latency, a fixed number of calls with N in flight for
// throughput, and the interleaving that rotates variants in small batches so machine noise (other
// processes, frequency changes, the client's own GC) lands on every variant alike.
import { performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callBenchTool } from './clients';
import { CpuMeter } from './proc';
import { ProxyCpuLedger } from './proxy-cpu';
import { summarize, type LatencySummary } from './stats';

export interface Variant {
  name: string;
  client: Client;
  /** The proxy between client and server; its CPU time is charged to this variant's calls. */
  proxyPid?: number;
}

export interface Plan {
  /** Per variant, before anything is measured: half sequential, half concurrent. */
  warmupCalls: number;
  sequentialRounds: number;
  sequentialBatch: number;
  concurrentRounds: number;
  concurrentBatch: number;
  inFlight: number;
}

export interface VariantResult {
  name: string;
  latency: LatencySummary;
  callsPerSecond: number;
  /**
   * The proxy's CPU ms per call over every measured call, with what it deferred to after them
   * (see ProxyCpuLedger); undefined for a direct connection.
   */
  proxyCpuMsPerCall?: number;
  /** What the proxy uses with no calls at all (its periodic work), in CPU ms per second. */
  proxyIdleCpuMsPerSecond?: number;
  /** The bench's own CPU ms per call: what the client side of this transport costs. */
  clientCpuMsPerCall: number;
}

async function sequential(client: Client, calls: number, latencies?: number[]): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await callBenchTool(client);
    latencies?.push(performance.now() - started);
  }
}

/** Makes `calls` calls with `inFlight` outstanding at all times; returns the elapsed ms. */
export async function concurrent(client: Client, calls: number, inFlight: number): Promise<number> {
  let issued = 0;
  const worker = async () => {
    while (issued < calls) {
      issued++;
      await callBenchTool(client);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(inFlight, calls) }, worker));
  return performance.now() - started;
}

/** Round r starts with variant r mod n, so no variant always runs right after another. */
function rotated<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export async function compareInterleaved(
  variants: readonly Variant[],
  plan: Plan,
): Promise<VariantResult[]> {
  const runs = variants.map((variant) => ({
    variant,
    latencies: [] as number[],
    concurrentMs: 0,
    concurrentCalls: 0,
    clientCpu: new CpuMeter(process.pid),
  }));
  const proxyCpu = new ProxyCpuLedger();
  const measure = async (run: (typeof runs)[number], calls: number, drive: () => Promise<void>) => {
    const pid = run.variant.proxyPid;
    if (pid !== undefined) proxyCpu.startStretch(run.variant.name, pid);
    run.clientCpu.start();
    await drive();
    run.clientCpu.stop(calls);
    if (pid !== undefined) proxyCpu.endStretch(pid, calls);
  };

  for (const run of runs) {
    await sequential(run.variant.client, Math.ceil(plan.warmupCalls / 2));
    await concurrent(run.variant.client, Math.ceil(plan.warmupCalls / 2), plan.inFlight);
  }
  const pids = [...new Set(variants.flatMap((variant) => variant.proxyPid ?? []))];
  await proxyCpu.measureIdle(pids);
  for (let round = 0; round < plan.sequentialRounds; round++) {
    for (const run of rotated(runs, round)) {
      await measure(run, plan.sequentialBatch, () =>
        sequential(run.variant.client, plan.sequentialBatch, run.latencies),
      );
    }
  }
  for (let round = 0; round < plan.concurrentRounds; round++) {
    for (const run of rotated(runs, round)) {
      await measure(run, plan.concurrentBatch, async () => {
        run.concurrentMs += await concurrent(
          run.variant.client,
          plan.concurrentBatch,
          plan.inFlight,
        );
      });
      run.concurrentCalls += plan.concurrentBatch;
    }
  }
  await proxyCpu.settle();

  return runs.map(({ variant, ...run }) => ({
    name: variant.name,
    latency: summarize(run.latencies),
    callsPerSecond: (run.concurrentCalls * 1000) / run.concurrentMs,
    proxyCpuMsPerCall:
      variant.proxyPid === undefined ? undefined : proxyCpu.msPerCall(variant.name),
    proxyIdleCpuMsPerSecond:
      variant.proxyPid === undefined ? undefined : proxyCpu.idleMsPerSecond(variant.proxyPid),
    clientCpuMsPerCall: run.clientCpu.msPerCall(),
  }));
}
