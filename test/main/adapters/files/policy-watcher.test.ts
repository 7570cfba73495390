// watchPolicies against a real folder: start-up scan, create, modify, delete and the ways
// editors save, each seen within a second and only when the content changed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../../src/main/adapters/files/atomic-write';
import {
  watchPolicies,
  type PolicyWatcher,
  type PolicyWatcherOptions,
} from '../../../../src/main/adapters/files/policy-watcher';

type Report = [serverId: string, text: string | undefined];

let dir: string;
let watcher: PolicyWatcher | undefined;
let reports: Report[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-pw-'));
  reports = [];
});
afterEach(() => {
  watcher?.close();
  watcher = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(opts?: PolicyWatcherOptions, folder = dir): Promise<void> {
  watcher = watchPolicies(folder, (id, text) => reports.push([id, text]), opts);
  await watcher.ready;
}

/** Waits for the n-th report and returns how long it took after `since`. */
async function nextReport(count: number, since = Date.now()): Promise<number> {
  while (reports.length < count) {
    if (Date.now() - since > 1000)
      throw new Error(`no report within 1 s; got ${JSON.stringify(reports)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - since;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);

describe('watchPolicies', () => {
  it('reports every policy present at start, ignoring temp files and other names', async () => {
    write('meatspace.json', '{"version":"1"}');
    write('github.json', '{}');
    write('.meatspace.json.123.tmp', 'partial');
    write('.#meatspace.json', 'lock');
    write('notes.txt', 'x');
    write('meatspace.json~', 'backup');
    fs.mkdirSync(path.join(dir, 'dir.json'));
    await start();
    expect(reports.sort()).toEqual([
      ['github', '{}'],
      ['meatspace', '{"version":"1"}'],
    ]);
  });

  it('reports create, modify and delete within a second', async () => {
    await start();
    write('a.json', '1');
    expect(await nextReport(1)).toBeLessThan(1000);
    write('a.json', '22');
    await nextReport(2);
    fs.rmSync(path.join(dir, 'a.json'));
    await nextReport(3);
    expect(reports).toEqual([
      ['a', '1'],
      ['a', '22'],
      ['a', undefined],
    ]);
  });

  it('sees rename-replace saves, including its own atomic writes', async () => {
    write('a.json', 'v1');
    await start();
    const temp = path.join(dir, '.a.json.swp.tmp');
    fs.writeFileSync(temp, 'v2');
    fs.renameSync(temp, path.join(dir, 'a.json'));
    await nextReport(2);
    writeFileAtomic(path.join(dir, 'a.json'), 'v3');
    await nextReport(3);
    expect(reports).toEqual([
      ['a', 'v1'],
      ['a', 'v2'],
      ['a', 'v3'],
    ]);
  });

  it('catches changes by polling alone when fs.watch says nothing', async () => {
    // A debounce longer than the test keeps fs.watch's events from ever triggering a scan.
    await start({ debounceMs: 60_000, pollIntervalMs: 300 });
    write('b.json', 'x');
    expect(await nextReport(1)).toBeLessThan(1000);
    const temp = path.join(dir, 'b.json.tmp');
    fs.writeFileSync(temp, 'y');
    fs.renameSync(temp, path.join(dir, 'b.json'));
    expect(await nextReport(2)).toBeLessThan(1000);
    fs.rmSync(path.join(dir, 'b.json'));
    expect(await nextReport(3)).toBeLessThan(1000);
    expect(reports).toEqual([
      ['b', 'x'],
      ['b', 'y'],
      ['b', undefined],
    ]);
  });

  it('stays silent when a save leaves the content unchanged', async () => {
    write('a.json', 'same');
    await start();
    write('a.json', 'same');
    writeFileAtomic(path.join(dir, 'a.json'), 'same');
    await sleep(700);
    expect(reports).toEqual([['a', 'same']]);
  });

  it('copes with a folder that appears after start', async () => {
    const later = path.join(dir, 'policies');
    await start({}, later);
    fs.mkdirSync(later);
    fs.writeFileSync(path.join(later, 'x.json'), '{}');
    await nextReport(1);
    expect(reports).toEqual([['x', '{}']]);
  });

  it('keeps going when the listener throws, and stops after close', async () => {
    const errors: Error[] = [];
    watcher = watchPolicies(
      dir,
      (id, text) => {
        reports.push([id, text]);
        throw new Error('listener failed');
      },
      { onError: (e) => errors.push(e) },
    );
    await watcher.ready;
    write('a.json', '1');
    await nextReport(1);
    write('b.json', '2');
    await nextReport(2);
    expect(errors.length).toBe(2);
    watcher.close();
    write('c.json', '3');
    await sleep(500);
    expect(reports).toHaveLength(2);
  });
});
