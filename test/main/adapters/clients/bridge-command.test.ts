import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findBridge, findOnPath } from '../../../../src/main/adapters/clients/bridge-command';
import { REPO_ROOT } from '../../../helpers/airlock-harness';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bridge-'));
  dirs.push(dir);
  return dir;
}

describe('the stdio bridge of this install', () => {
  it('is this clone’s bin/airlock.js run by the running Node.js, with the data folder', () => {
    expect(findBridge({ dataDir: '/data' })).toEqual({
      ok: true,
      command: process.execPath,
      args: [realpathSync(join(REPO_ROOT, 'bin/airlock.js'))],
      dataDir: '/data',
    });
  });

  it('is found from the built code too (out/main)', () => {
    const bridge = findBridge({ dataDir: '/data', from: join(REPO_ROOT, 'out/main') });
    expect(bridge.ok && bridge.args[0]).toBe(realpathSync(join(REPO_ROOT, 'bin/airlock.js')));
  });

  it('says why there is none where no bin/airlock.js of Airlock is above the code', () => {
    const app = tempDir();
    // A packaged app: the code, its package.json, no bin/.
    mkdirSync(join(app, 'out', 'main'), { recursive: true });
    writeFileSync(join(app, 'package.json'), '{"name": "airlock"}');
    const bridge = findBridge({ dataDir: '/data', from: join(app, 'out', 'main') });
    expect(bridge).toEqual({ ok: false, reason: expect.stringMatching(/packaged app/) });
    // Somebody else's bin/airlock.js does not count.
    mkdirSync(join(app, 'bin'));
    writeFileSync(join(app, 'bin', 'airlock.js'), '');
    writeFileSync(join(app, 'package.json'), '{"name": "other"}');
    expect(findBridge({ dataDir: '/d', from: join(app, 'out', 'main') }).ok).toBe(false);
  });

  it('finds an executable node on PATH for the desktop app, whose own binary is not Node', () => {
    const bin = tempDir();
    const node = join(bin, 'node');
    writeFileSync(node, '#!/bin/sh\n');
    chmodSync(node, 0o755);
    const env = { PATH: ['relative/bin', '/nonexistent', bin].join(':') };
    expect(findOnPath('node', env, 'linux')).toBe(node);
    chmodSync(node, 0o644);
    expect(findOnPath('node', env, 'linux')).toBeUndefined();
  });
});
