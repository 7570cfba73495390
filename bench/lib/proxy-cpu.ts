// A proxy's CPU time per call in the bench's interleaved runs: each stretch of calls is charged
// with what its proxy process did until it next served calls, so work the proxy defers past its
// last answer counts, less the time it would have spent idle anyway.
import { performance } from 'node:perf_hooks';
import { cpuMsBetween, readCpu, type CpuReading } from './proc';

/** Where the ledger reads CPU time and wall time, and how it waits (tests pass their own). */
export interface LedgerClock {
  read(pid: number): CpuReading;
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: LedgerClock = {
  read: readCpu,
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Long enough for the work a proxy defers after its last answer (Airlock's history: 100 ms). */
const SETTLE_MS = 300;
/**
 * Each proxy's idle rate is the lowest of this many windows with no calls: a window can catch
 * work left from the warm-up or a burst of the machine's, and taking too little idle time off
 * only charges the proxy more.
 */
const IDLE_WINDOWS = 6;
const IDLE_WINDOW_MS = 300;

/**
 * Charges each stretch of calls with what its proxy does from the stretch's start until that
 * proxy's next stretch starts (or the run has settled): the calls' own work, and what the proxy
 * defers past its last answer (Airlock writes its history in batches up to 100 ms later, while
 * another variant's stretch runs), less what the proxy spends idle (periodic checks) over the
 * time it waited. Charging only the stretches missed the deferred work (README, Performance).
 * Two variants may share one proxy process (Airlock serves both `airlock` and `bridge`).
 */
export class ProxyCpuLedger {
  private readonly idleMsPerMs = new Map<number, number>();
  private readonly open = new Map<number, OpenStretch>();
  private readonly charged = new Map<string, { ms: number; calls: number }>();

  constructor(private readonly clock: LedgerClock = realClock) {}

  /** Measures each proxy's idle rate; call when no calls are running. */
  async measureIdle(pids: readonly number[]): Promise<void> {
    await this.clock.sleep(SETTLE_MS);
    const windows = new Map<number, number[]>(pids.map((pid) => [pid, []]));
    for (let i = 0; i < IDLE_WINDOWS; i++) {
      const before = new Map(pids.map((pid) => [pid, this.clock.read(pid)]));
      await this.clock.sleep(IDLE_WINDOW_MS);
      for (const pid of pids) {
        windows
          .get(pid)!
          .push(cpuMsBetween(before.get(pid)!, this.clock.read(pid)) / IDLE_WINDOW_MS);
      }
    }
    for (const [pid, rates] of windows) this.idleMsPerMs.set(pid, Math.max(0, Math.min(...rates)));
  }

  idleMsPerSecond(pid: number): number | undefined {
    const rate = this.idleMsPerMs.get(pid);
    return rate === undefined ? undefined : rate * 1000;
  }

  startStretch(name: string, pid: number): void {
    const startedAt = this.close(pid);
    this.open.set(pid, { name, startedAt });
  }

  endStretch(pid: number, calls: number): void {
    const stretch = this.open.get(pid);
    if (!stretch) throw new Error('endStretch without startStretch');
    stretch.ended = { at: this.clock.read(pid), wallMs: this.clock.now() };
    this.account(stretch.name).calls += calls;
  }

  /** Charges the stretches still open, once their proxies have had time to finish. */
  async settle(): Promise<void> {
    await this.clock.sleep(SETTLE_MS);
    for (const pid of [...this.open.keys()]) this.close(pid);
    this.open.clear();
  }

  msPerCall(name: string): number {
    const { ms, calls } = this.account(name);
    return calls === 0 ? Number.NaN : ms / calls;
  }

  /** Charges pid's open stretch up to now; returns the reading it took. */
  private close(pid: number): CpuReading {
    const now = this.clock.read(pid);
    const stretch = this.open.get(pid);
    if (stretch?.ended) {
      const { at, wallMs } = stretch.ended;
      const idle = (this.idleMsPerMs.get(pid) ?? 0) * (this.clock.now() - wallMs);
      // Never less than the stretch itself: an idle rate caught during leftover work (a
      // collection after the warm-up) must not take the proxy's own calls off.
      const deferred = Math.max(0, cpuMsBetween(at, now) - idle);
      this.account(stretch.name).ms += cpuMsBetween(stretch.startedAt, at) + deferred;
    }
    return now;
  }

  private account(name: string): { ms: number; calls: number } {
    let account = this.charged.get(name);
    if (!account) this.charged.set(name, (account = { ms: 0, calls: 0 }));
    return account;
  }
}

interface OpenStretch {
  name: string;
  startedAt: CpuReading;
  /** The reading and the time when the stretch's last call was answered. */
  ended?: { at: CpuReading; wallMs: number };
}
