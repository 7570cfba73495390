import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  otherRunningInstance,
  readRunningFile,
  writeRunningFile,
} from '../../../../src/main/adapters/files/running-file';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The id of a process that has already ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('serve.json', () => {
  it('names a live Airlock that answers at its address', async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-running-'));
    const server = http.createServer((_req, res) => res.writeHead(401).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Another process's id: this test's parent (vitest's main process) is alive.
    writeRunningFile(dir, { url, pid: process.ppid });
    expect(await otherRunningInstance(dir)).toEqual({ url, pid: process.ppid });
    // The same file seen from the process it names is not "another" Airlock.
    expect(await otherRunningInstance(dir, process.ppid)).toBeUndefined();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // A live process whose address no longer answers is not Airlock (a reused id).
    expect(await otherRunningInstance(dir)).toBeUndefined();
  });

  it('left by a process that was killed is stale', async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-running-'));
    writeRunningFile(dir, { url: 'http://127.0.0.1:1', pid: deadPid() });
    expect(readRunningFile(dir)).toBeDefined();
    expect(await otherRunningInstance(dir)).toBeUndefined();
  });
});
