// Reads another process's CPU time and resident memory from Linux /proc, so the bench can charge
// Airlock (or the peer proxy) for its own work without instrumenting it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** utime and stime are counted in clock ticks; getconf knows how long one is (usually 10 ms). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
  }
  return ticksPerSecond;
}

/** User plus system CPU time the process has used so far, in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (the command name) may itself contain spaces and parentheses, so count fields from
  // the last ")": what follows starts at field 3, which puts utime (14) and stime (15) at 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export function ticksToMs(ticks: number): number {
  return (ticks * 1000) / clockTicksPerSecond();
}

/** Resident set size in KB. */
export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

/**
 * Adds up one process's CPU ticks over the measured stretches only. Variants are interleaved, so
 * the time between stretches belongs to other variants and must not be charged to this one.
 */
export class CpuMeter {
  private ticks = 0;
  private calls = 0;
  private startedAt?: number;

  constructor(readonly pid: number) {}

  start(): void {
    this.startedAt = cpuTicks(this.pid);
  }

  stop(calls: number): void {
    if (this.startedAt === undefined) throw new Error('CpuMeter.stop without start');
    this.ticks += cpuTicks(this.pid) - this.startedAt;
    this.calls += calls;
    this.startedAt = undefined;
  }

  get measuredCalls(): number {
    return this.calls;
  }

  msPerCall(): number {
    return this.calls === 0 ? Number.NaN : ticksToMs(this.ticks) / this.calls;
  }
}
