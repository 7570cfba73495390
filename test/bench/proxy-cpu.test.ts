// The bench's CPU ledger: what each variant's proxy is charged per call, with a scripted clock
// in place of /proc (the figures the README's targets are read from).
import { describe, expect, it } from 'vitest';
import { ProxyCpuLedger, type LedgerClock } from '../../bench/lib/proxy-cpu';
import { cpuMsBetween } from '../../bench/lib/proc';

/** Processes whose CPU time moves only when the test says so, plus an idle rate while time passes. */
class ScriptedProcesses implements LedgerClock {
  private wallMs = 0;
  private readonly cpuNs = new Map<number, number>();
  constructor(public idleMsPerSecond: Record<number, number> = {}) {}

  /** The process works `ms` of CPU (answering calls, or writing what it deferred). */
  work(pid: number, ms: number): void {
    this.cpuNs.set(pid, (this.cpuNs.get(pid) ?? 0) + ms * 1e6);
  }

  read(pid: number): Map<string, number> {
    return new Map([[String(pid), this.cpuNs.get(pid) ?? 0]]);
  }

  now(): number {
    return this.wallMs;
  }

  /** Time passes; each process spends its idle rate over it. */
  async sleep(ms: number): Promise<void> {
    this.pass(ms);
  }

  pass(ms: number): void {
    this.wallMs += ms;
    for (const [pid, rate] of Object.entries(this.idleMsPerSecond)) {
      this.work(Number(pid), (rate * ms) / 1000);
    }
  }
}

/** One stretch of `calls` calls that costs `ms` while they run and `deferredMs` after the last. */
function stretch(
  ledger: ProxyCpuLedger,
  procs: ScriptedProcesses,
  name: string,
  pid: number,
  calls: number,
  ms: number,
  deferredMs = 0,
): void {
  ledger.startStretch(name, pid);
  procs.work(pid, ms);
  procs.pass(30);
  ledger.endStretch(pid, calls);
  procs.pass(50);
  procs.work(pid, deferredMs);
}

describe('ProxyCpuLedger', () => {
  it("charges work a proxy defers past its last answer to that proxy's calls", async () => {
    const procs = new ScriptedProcesses();
    const ledger = new ProxyCpuLedger(procs);
    await ledger.measureIdle([1, 2]);
    for (let round = 0; round < 3; round++) {
      stretch(ledger, procs, 'airlock', 1, 40, 8, 2); // 2 ms of history written after the calls
      stretch(ledger, procs, 'floor', 2, 40, 6);
    }
    await ledger.settle();
    expect(ledger.msPerCall('airlock')).toBeCloseTo(10 / 40);
    expect(ledger.msPerCall('floor')).toBeCloseTo(6 / 40);
  });

  it('takes the idle rate off the time a proxy waited, and reports it', async () => {
    const procs = new ScriptedProcesses({ 1: 4 });
    const ledger = new ProxyCpuLedger(procs);
    await ledger.measureIdle([1, 2]);
    expect(ledger.idleMsPerSecond(1)).toBeCloseTo(4);
    expect(ledger.idleMsPerSecond(2)).toBe(0);
    for (let round = 0; round < 3; round++) {
      stretch(ledger, procs, 'airlock', 1, 40, 8, 2);
      procs.pass(200); // other variants' stretches
    }
    await ledger.settle();
    // The idle spending during the stretch itself stays charged, as it always was.
    expect(ledger.msPerCall('airlock')).toBeCloseTo((8 + 2 + 4 * 0.03) / 40);
  });

  it('never charges less than the stretch itself when the idle rate caught leftover work', async () => {
    // A collection after the warm-up, busy through every idle window.
    const procs = new ScriptedProcesses({ 1: 50 });
    const ledger = new ProxyCpuLedger(procs);
    await ledger.measureIdle([1]);
    expect(ledger.idleMsPerSecond(1)).toBeCloseTo(50);
    procs.idleMsPerSecond = {};
    stretch(ledger, procs, 'floor', 1, 40, 6);
    procs.pass(1000);
    await ledger.settle();
    expect(ledger.msPerCall('floor')).toBeCloseTo(6 / 40);
  });

  it('splits one proxy between the variants it serves, by stretch', async () => {
    const procs = new ScriptedProcesses();
    const ledger = new ProxyCpuLedger(procs);
    await ledger.measureIdle([1]);
    stretch(ledger, procs, 'airlock', 1, 40, 8, 2);
    stretch(ledger, procs, 'bridge', 1, 40, 4, 1);
    await ledger.settle();
    expect(ledger.msPerCall('airlock')).toBeCloseTo(10 / 40);
    expect(ledger.msPerCall('bridge')).toBeCloseTo(5 / 40);
  });
});

describe('cpuMsBetween', () => {
  it('adds each thread’s time, counting a new thread whole and losing one that ended', () => {
    const before = new Map([
      ['1', 5e6],
      ['2', 3e6],
    ]);
    const after = new Map([
      ['1', 9e6],
      ['3', 2e6],
    ]);
    expect(cpuMsBetween(before, after)).toBeCloseTo(6);
  });
});
