// `npm start` / `npm run dev` (scripts/start.ts): the clear message and exit code on a machine
// without Electron's binary (this one), and the checks before a launch, with a stand-in Electron
// executable that records how it was started.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findElectronBinary, runStart, staleBuildReason } from '../../scripts/start';
import {
  BUILD_INFO_FILE,
  electronBuildDirName,
} from '../../src/main/adapters/sqlite/native-binding';

const require = createRequire(import.meta.url);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BETTER_SQLITE3 = path.dirname(require.resolve('better-sqlite3/package.json'));
const BETTER_SQLITE3_VERSION = (require('better-sqlite3/package.json') as { version: string })
  .version;
const MISSING_ELECTRON = "Electron's binary could not be installed on this machine (";
const USE_SERVE = 'Run the headless Airlock instead: npx airlock serve';

let root: string;
let scratch: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-start-root-'));
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-start-scratch-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
});

function write(file: string, text = '', mtime?: Date): void {
  const full = path.join(root, file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, text);
  if (mtime) fs.utimesSync(full, mtime, mtime);
}

/** Runs an npm script in this checkout as a person would. */
function npm(script: string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync('npm', script, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe('npm start on a machine where Electron could not be installed', () => {
  it('prints one clear message pointing to airlock serve and exits 1, before building anything', () => {
    const empty = fs.mkdtempSync(path.join(scratch, 'no-electron-'));
    const result = npm(['start'], { ELECTRON_OVERRIDE_DIST_PATH: empty });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `${MISSING_ELECTRON}ELECTRON_OVERRIDE_DIST_PATH has no Electron binary: ${path.join(empty, 'electron')}). ${USE_SERVE}`,
    );
    expect(result.stdout).not.toContain('Building the app');
  });

  it('says the same for npm run dev', () => {
    const empty = fs.mkdtempSync(path.join(scratch, 'no-electron-'));
    const result = npm(['run', 'dev'], { ELECTRON_OVERRIDE_DIST_PATH: empty });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(MISSING_ELECTRON);
    expect(result.stderr).toContain(USE_SERVE);
  });

  it('says why on this checkout, whose Electron download failed', (context) => {
    if (fs.existsSync(path.join(REPO_ROOT, 'node_modules/electron/dist'))) {
      context.skip('Electron is installed in this checkout, so npm start would launch it');
    }
    const result = npm(['start'], { ELECTRON_OVERRIDE_DIST_PATH: '' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `${MISSING_ELECTRON}node_modules/electron/dist is missing: its download failed or was ` +
        `skipped when npm installed it). ${USE_SERVE}`,
    );
  });
});

describe('findElectronBinary', () => {
  it('finds the binary where the electron package put it, and says what is missing otherwise', () => {
    const env = {};
    expect(findElectronBinary(root, env)).toEqual({
      ok: false,
      reason: 'node_modules/electron is missing: run `npm install`',
    });
    write('node_modules/electron/package.json', '{}');
    expect(findElectronBinary(root, env)).toMatchObject({
      reason: `${path.join('node_modules', 'electron', 'dist')} is missing: its download failed or was skipped when npm installed it`,
    });
    write('node_modules/electron/path.txt', 'electron');
    expect(findElectronBinary(root, env)).toMatchObject({
      reason: `${path.join('node_modules', 'electron', 'dist', 'electron')} is missing: its download did not finish`,
    });
    write('node_modules/electron/dist/electron');
    expect(findElectronBinary(root, env)).toEqual({
      ok: true,
      path: path.join(root, 'node_modules/electron/dist/electron'),
    });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH as the electron package does', () => {
    write('node_modules/electron/path.txt', 'Electron.app/Contents/MacOS/Electron');
    const override = path.join(scratch, 'dist');
    const env = { ELECTRON_OVERRIDE_DIST_PATH: override };
    const binary = path.join(override, 'Electron.app/Contents/MacOS/Electron');
    expect(findElectronBinary(root, env)).toEqual({
      ok: false,
      reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary: ${binary}`,
    });
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    fs.writeFileSync(binary, '');
    expect(findElectronBinary(root, env)).toEqual({ ok: true, path: binary });
  });
});

describe('staleBuildReason', () => {
  const built = new Date('2026-01-02T00:00:00Z');
  const before = new Date('2026-01-01T00:00:00Z');
  const after = new Date('2026-01-03T00:00:00Z');

  it('builds when an output is missing or a source is newer than the oldest output', () => {
    write('src/main/index.ts', '', before);
    write('package.json', '{}', before);
    write('electron.vite.config.ts', '', before);
    expect(staleBuildReason(root)).toBe('out/main/index.js is missing');
    write('out/main/index.js', '', built);
    write('out/preload/index.cjs', '', built);
    write('out/renderer/index.html', '', built);
    expect(staleBuildReason(root)).toBeUndefined();
    write('src/renderer/src/app.tsx', '', after);
    expect(staleBuildReason(root)).toBe(
      `${path.join('src', 'renderer', 'src', 'app.tsx')} changed since the last build`,
    );
  });
});

describe('runStart', () => {
  const fresh = new Date('2030-01-01T00:00:00Z');

  /** A checkout with a fresh build, and an Electron stand-in that records its launch and exits 7. */
  function checkout(): { env: NodeJS.ProcessEnv; record: string } {
    write('package.json', '{"name":"airlock-fixture"}');
    write('src/main/index.ts');
    for (const output of [
      'out/main/index.js',
      'out/preload/index.cjs',
      'out/renderer/index.html',
    ]) {
      write(output, '', fresh);
    }
    write('node_modules/electron/package.json', '{"version":"45.5.0"}');
    write('node_modules/electron/abi_version', '150');
    fs.symlinkSync(BETTER_SQLITE3, path.join(root, 'node_modules/better-sqlite3'), 'junction');
    const dist = path.join(scratch, 'electron-dist');
    fs.mkdirSync(dist);
    const record = path.join(scratch, 'launched.txt');
    fs.writeFileSync(
      path.join(dist, 'electron'),
      '#!/bin/sh\nprintf "%s\\n" "$PWD" "$@" "${ELECTRON_RUN_AS_NODE:-unset}" > "$RECORD"\nexit 7\n',
      { mode: 0o755 },
    );
    return {
      record,
      env: {
        PATH: process.env.PATH,
        HOME: scratch,
        RECORD: record,
        ELECTRON_OVERRIDE_DIST_PATH: dist,
        ELECTRON_RUN_AS_NODE: '1',
        npm_config_cache: path.join(scratch, 'npm-cache'),
        npm_config_devdir: path.join(scratch, 'gyp'),
      },
    };
  }

  function placeElectronSqlite(): void {
    const dir = path.join('native', electronBuildDirName(process.platform, process.arch));
    write(path.join(dir, 'better_sqlite3.node'), 'node_register_module_v150\0');
    write(
      path.join(dir, BUILD_INFO_FILE),
      JSON.stringify({
        electronVersion: '45.5.0',
        abi: '150',
        platform: process.platform,
        arch: process.arch,
        betterSqlite3Version: BETTER_SQLITE3_VERSION,
        source: 'prebuilt',
      }),
    );
  }

  it.skipIf(process.platform === 'win32')(
    'launches Electron on the checkout and returns its exit code, without ELECTRON_RUN_AS_NODE',
    async () => {
      const { env, record } = checkout();
      placeElectronSqlite();
      const errors: string[] = [];
      const code = await runStart({ root, env, log: () => {}, error: (l) => errors.push(l) });
      expect(errors).toEqual([]);
      expect(code).toBe(7);
      expect(fs.readFileSync(record, 'utf8').split('\n')).toEqual([
        fs.realpathSync(root),
        '.',
        'unset',
        '',
      ]);
    },
  );

  it.skipIf(process.platform === 'win32')(
    'does not launch when SQLite has no Electron build and none can be made',
    async () => {
      const { env, record } = checkout();
      const server = http.createServer((_req, res) => res.writeHead(404).end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const errors: string[] = [];
        const code = await runStart({
          root,
          env: {
            ...env,
            npm_config_node_gyp: require.resolve('node-gyp/bin/node-gyp.js'),
            npm_config_better_sqlite3_binary_host: mirror,
            AIRLOCK_ELECTRON_HEADERS_URL: `${mirror}/headers`,
          },
          log: () => {},
          error: (line) => errors.push(line),
        });
        expect(code).toBe(1);
        expect(errors.join('\n')).toContain(
          "Cannot fetch Electron's prebuilt better-sqlite3 or Electron's headers",
        );
        expect(fs.existsSync(record)).toBe(false);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );
});
