// serve.json: where the Airlock guarding this data folder listens, and its process id, written
// while it runs and removed when it stops. `airlock connect` finds Airlock through it, and a second
// Airlock (the app, or another `airlock serve`) on the same folder sees the first and says so
// instead of failing on the port or guarding the same history twice.
import http from 'node:http';
import fs from 'node:fs';
import { join } from 'node:path';
import { DATA_FILES } from './data-dir';

const RUNNING_FILE = DATA_FILES.running;

export interface RunningInstance {
  url: string;
  pid: number;
}

/** What serve.json says, or undefined when it is missing or unreadable. */
export function readRunningFile(dataDir: string): RunningInstance | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(join(dataDir, RUNNING_FILE), 'utf8')) as {
      url?: unknown;
      pid?: unknown;
    };
    if (typeof value.url !== 'string' || typeof value.pid !== 'number') return undefined;
    return { url: value.url, pid: value.pid };
  } catch {
    return undefined;
  }
}

export function writeRunningFile(dataDir: string, instance: RunningInstance): void {
  fs.writeFileSync(join(dataDir, RUNNING_FILE), JSON.stringify(instance) + '\n', { mode: 0o600 });
}

export function removeRunningFile(dataDir: string): void {
  fs.rmSync(join(dataDir, RUNNING_FILE), { force: true });
}

/**
 * Another Airlock that guards this folder now: serve.json names a live process other than this
 * one and its address answers. A file left by a process that was killed is stale, as is one whose
 * process id was reused by an unrelated program (nothing answers at the address).
 */
export async function otherRunningInstance(
  dataDir: string,
  ownPid = process.pid,
): Promise<RunningInstance | undefined> {
  const running = readRunningFile(dataDir);
  if (!running || running.pid === ownPid || !isAlive(running.pid)) return undefined;
  return (await answers(running.url)) ? running : undefined;
}

/** A second Airlock on a folder that one already guards. */
export class AlreadyRunning extends Error {
  constructor(
    readonly dataDir: string,
    readonly instance: RunningInstance,
  ) {
    super(
      `Airlock already guards ${dataDir}: process ${instance.pid} listens on ${instance.url}. ` +
        'Stop it first (or use it), or give this one another data folder.',
    );
    this.name = 'AlreadyRunning';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    let parsed: URL;
    try {
      parsed = new URL('/api', url);
    } catch {
      return resolve(false);
    }
    // Only Airlock's own listener, on loopback, is asked.
    if (parsed.hostname !== '127.0.0.1' && parsed.hostname !== 'localhost') return resolve(false);
    const request = http.get(parsed, { timeout: 1000 }, (response) => {
      response.resume();
      resolve(true);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
