// Reads another process's CPU time and resident memory from Linux /proc, so the bench can charge
// Airlock (or the peer proxy) for its own work without instrumenting it.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** utime and stime are counted in clock ticks; getconf knows how long one is (usually 10 ms). */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
  }
  return ticksPerSecond;
}

/** User plus system CPU time the process has used so far, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (the command name) may itself contain spaces and parentheses, so count fields from
  // the last ")": what follows starts at field 3, which puts utime (14) and stime (15) at 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function ticksToMs(ticks: number): number {
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
 * A process's CPU time at one moment: nanoseconds by thread id from each thread's schedstat
 * (/proc/PID/task/TID/schedstat, first field) where the kernel keeps it, else utime+stime in
 * clock ticks.
 */
export type CpuReading = Map<string, number> | number;

function threadCpuNs(pid: number): Map<string, number> | undefined {
  const byThread = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  for (const task of tasks) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      if (!Number.isFinite(ns)) return undefined;
      byThread.set(task, ns);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // the thread just ended
      return undefined;
    }
  }
  return byThread;
}

/**
 * Reads a process's CPU time. Each thread's schedstat is exact to the nanosecond; utime and
 * stime are sampled at clock ticks (10 ms), longer than a stretch of 40 calls, so summed over a
 * run they are right on average but off by several per cent from run to run.
 */
export function readCpu(pid: number): CpuReading {
  return threadCpuNs(pid) ?? cpuTicks(pid);
}

/**
 * CPU ms used between two readings of one process. A thread that ended in between loses its
 * time since `from`; one that started counts whole.
 */
export function cpuMsBetween(from: CpuReading, to: CpuReading): number {
  if (typeof from === 'number' || typeof to === 'number') {
    return typeof from === 'number' && typeof to === 'number' ? ticksToMs(to - from) : Number.NaN;
  }
  let ns = 0;
  for (const [thread, value] of to) ns += value - (from.get(thread) ?? 0);
  return ns / 1e6;
}

/** How the bench reads CPU time on this machine, for its header. */
export function cpuClockName(): string {
  return threadCpuNs(process.pid)
    ? 'per-thread schedstat (ns)'
    : `utime+stime, ${clockTicksPerSecond()} ticks/s`;
}

/**
 * Adds up one process's CPU time over the measured stretches only: between stretches the time
 * belongs to other variants. Right for a process that does nothing after its last answer (the
 * bench's client); a proxy's deferred work needs ProxyCpuLedger (proxy-cpu.ts).
 */
export class CpuMeter {
  private ms = 0;
  private calls = 0;
  private startedAt?: CpuReading;

  constructor(readonly pid: number) {}

  start(): void {
    this.startedAt = readCpu(this.pid);
  }

  stop(calls: number): void {
    if (this.startedAt === undefined) throw new Error('CpuMeter.stop without start');
    this.ms += cpuMsBetween(this.startedAt, readCpu(this.pid));
    this.calls += calls;
    this.startedAt = undefined;
  }

  msPerCall(): number {
    return this.calls === 0 ? Number.NaN : this.ms / this.calls;
  }
}
