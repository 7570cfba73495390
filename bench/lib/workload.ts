// Drives the calls: sequential batches for latency, a fixed number of calls with N in flight for
// throughput, and the interleaving that rotates variants in small batches so machine noise (other
// processes, frequency changes, the client's own GC) lands on every variant alike.
import { performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callBenchTool } from './clients';
import { CpuMeter } from './proc';
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
  /** The proxy's CPU ms per call over every measured call; undefined for a direct connection. */
  proxyCpuMsPerCall?: number;
  proxyCpuCalls: number;
  /** The bench's own CPU ms per call: what the client side of this transport costs. */
  clientCpuMsPerCall: number;
}

export async function sequential(
  client: Client,
  calls: number,
  latencies?: number[],
): Promise<void> {
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
    cpu: variant.proxyPid === undefined ? undefined : new CpuMeter(variant.proxyPid),
    clientCpu: new CpuMeter(process.pid),
  }));

  for (const run of runs) {
    await sequential(run.variant.client, Math.ceil(plan.warmupCalls / 2));
    await concurrent(run.variant.client, Math.ceil(plan.warmupCalls / 2), plan.inFlight);
  }
  for (let round = 0; round < plan.sequentialRounds; round++) {
    for (const run of rotated(runs, round)) {
      run.cpu?.start();
      run.clientCpu.start();
      await sequential(run.variant.client, plan.sequentialBatch, run.latencies);
      run.clientCpu.stop(plan.sequentialBatch);
      run.cpu?.stop(plan.sequentialBatch);
    }
  }
  for (let round = 0; round < plan.concurrentRounds; round++) {
    for (const run of rotated(runs, round)) {
      run.cpu?.start();
      run.clientCpu.start();
      run.concurrentMs += await concurrent(run.variant.client, plan.concurrentBatch, plan.inFlight);
      run.clientCpu.stop(plan.concurrentBatch);
      run.cpu?.stop(plan.concurrentBatch);
      run.concurrentCalls += plan.concurrentBatch;
    }
  }

  return runs.map((run) => ({
    name: run.variant.name,
    latency: summarize(run.latencies),
    callsPerSecond: (run.concurrentCalls * 1000) / run.concurrentMs,
    proxyCpuMsPerCall: run.cpu?.msPerCall(),
    proxyCpuCalls: run.cpu?.measuredCalls ?? 0,
    clientCpuMsPerCall: run.clientCpu.msPerCall(),
  }));
}
