// The child processes the bench starts (fixture servers, Airlock, the peer proxy). Each runs in
// its own process group, so whatever it spawns in turn is stopped with it, even on error.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const KEEP_LINES = 40;

export interface SpawnOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export class ChildHandle {
  private readonly recent: string[] = [];
  private readonly waiters = new Set<{ pattern: RegExp; resolve(match: RegExpExecArray): void }>();
  private readonly lineListeners = new Set<(line: string, stream: 'stdout' | 'stderr') => void>();
  private exitCode: number | null | undefined;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    this.exited = new Promise((resolve) =>
      process.once('close', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve();
      }),
    );
    this.readLines(process.stdout!, true);
    this.readLines(process.stderr!, false);
  }

  get pid(): number {
    return this.process.pid!;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Waits for a stdout line matching `pattern`; fails with the process's last output if it exits first. */
  async waitForLine(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    for (const line of this.recent) {
      const match = pattern.exec(line);
      if (match) return match;
    }
    let waiter: { pattern: RegExp; resolve(match: RegExpExecArray): void } | undefined;
    const matched = new Promise<RegExpExecArray>((resolve) => {
      waiter = { pattern, resolve };
      this.waiters.add(waiter);
    });
    const timer = new AbortController();
    try {
      return await Promise.race([
        matched,
        this.exited.then(() => {
          throw new Error(`${this.name} exited before printing ${pattern}:\n${this.output()}`);
        }),
        sleep(timeoutMs, undefined, { signal: timer.signal }).then(() => {
          throw new Error(
            `${this.name} did not print ${pattern} within ${timeoutMs} ms:\n${this.output()}`,
          );
        }),
      ]);
    } finally {
      timer.abort();
      this.waiters.delete(waiter!);
    }
  }

  /** Calls `listener` with every further line the process writes, on either stream. */
  onLine(listener: (line: string, stream: 'stdout' | 'stderr') => void): void {
    this.lineListeners.add(listener);
  }

  /** Signals the process's whole group (SIGKILL: as if it crashed) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) signalGroup(this.pid, signal);
    await this.exited;
  }

  /** The last lines it wrote, for error messages. */
  output(): string {
    return this.recent.map((line) => `  ${this.name}| ${line}`).join('\n');
  }

  private readLines(stream: NodeJS.ReadableStream, matchable: boolean): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        this.recent.push(line);
        if (this.recent.length > KEEP_LINES) this.recent.shift();
        for (const listener of this.lineListeners) listener(line, matchable ? 'stdout' : 'stderr');
        if (!matchable) continue;
        for (const waiter of this.waiters) {
          const match = waiter.pattern.exec(line);
          if (match) waiter.resolve(match);
        }
      }
    });
    // The stream errors only when the process is gone, which `exited` already reports.
    stream.on('error', () => {});
  }
}

export class ProcessGroup {
  private readonly children: ChildHandle[] = [];

  spawn(
    name: string,
    command: string,
    args: readonly string[],
    options: SpawnOptions,
  ): ChildHandle {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A group of its own, so stopping it also stops the servers it started (Airlock's stdio
      // upstreams, the peer's child) instead of leaving them orphaned.
      detached: true,
    });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    const handle = new ChildHandle(name, child);
    this.children.push(handle);
    return handle;
  }

  /** SIGTERM (so Airlock closes its upstreams and flushes a --cpu-prof), then SIGKILL after a grace period. */
  async closeAll(graceMs = 5000): Promise<void> {
    const running = this.children.filter((child) => child.running);
    for (const child of running) signalGroup(child.pid, 'SIGTERM');
    await Promise.race([Promise.all(running.map((child) => child.exited)), sleep(graceMs)]);
    // Also catches grandchildren that outlived their parent.
    for (const child of this.children) signalGroup(child.pid, 'SIGKILL');
  }

  /** Synchronous last resort for process 'exit': no waiting possible there. */
  killAllNow(): void {
    for (const child of this.children) signalGroup(child.pid, 'SIGKILL');
  }
}

/**
 * The processes and scratch folder of one run (the bench, the soak). `finish` stops the processes
 * and removes the folder; an uncaught error, process.exit or Ctrl+C does the same on the way out.
 */
export function startRunScope(prefix: string): {
  group: ProcessGroup;
  tmp: string;
  finish(): Promise<void>;
} {
  const group = new ProcessGroup();
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const removeTmp = () => rmSync(tmp, { recursive: true, force: true });
  process.once('exit', () => {
    group.killAllNow();
    removeTmp();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void group.closeAll(1000).finally(() => process.exit(128 + constants.signals[signal]));
    });
  }
  return {
    group,
    tmp,
    finish: async () => {
      await group.closeAll();
      removeTmp();
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the whole group is already gone.
  }
}

/** A port free right now on 127.0.0.1, for a program that cannot be told to pick its own. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** For a program that announces its port before it listens: poll until a connection succeeds. */
export async function waitForPort(
  port: number,
  owner: ChildHandle,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!owner.running)
      throw new Error(`${owner.name} exited before listening:\n${owner.output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(
    `${owner.name} did not listen on port ${port} within ${timeoutMs} ms:\n${owner.output()}`,
  );
}
