// What a bench section gets (the running processes and the scale) and gives back (lines to print
// and targets). proxy-latency.ts runs the sections in order; a new measurement is a new section.
import type { ProcessGroup } from '../lib/processes';
import type { Target } from '../lib/report';
import type { AirlockProcess, FixtureHttp } from '../lib/servers';

export interface BenchContext {
  group: ProcessGroup;
  airlock: AirlockProcess;
  fixtureHttp: FixtureHttp;
  /** BENCH_SCALE: multiplies every call count, e.g. 0.2 for a quick look. */
  scale: number;
}

export interface SectionReport {
  lines: string[];
  targets: Target[];
}

export interface Section {
  /** Short name for BENCH_ONLY. */
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<SectionReport>;
}

/** A call count scaled by BENCH_SCALE, never below `min`. */
export function scaled(ctx: BenchContext, count: number, min = 1): number {
  return Math.max(min, Math.round(count * ctx.scale));
}
