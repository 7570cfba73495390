// scripts/electron-native.ts: what it reads (offline), when it keeps a build, and a real run of
// prebuild-install and node-gyp against a local mirror, since GitHub and electronjs.org are out
// of reach here. The "project" is a temporary folder whose node_modules holds the electron
// package's metadata and links to the real better-sqlite3.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildStatus,
  electronBuildDir,
  ensureElectronSqlite,
  readElectronTarget,
  type ElectronTarget,
} from '../../scripts/electron-native';
import {
  BUILD_INFO_FILE,
  checkElectronBinding,
  readBuildInfo,
  readModuleAbi,
} from '../../src/main/adapters/sqlite/native-binding';

const require = createRequire(import.meta.url);
const BETTER_SQLITE3 = path.dirname(require.resolve('better-sqlite3/package.json'));
const BETTER_SQLITE3_VERSION = (require('better-sqlite3/package.json') as { version: string })
  .version;
const NODE_BUILD = path.join(BETTER_SQLITE3, 'build/Release/better_sqlite3.node');
const NODE_GYP = require.resolve('node-gyp/bin/node-gyp.js');
const { platform, arch } = process;

let root: string;
let scratch: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-native-root-'));
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-native-scratch-'));
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"airlock-fixture","private":true}');
  const electron = path.join(root, 'node_modules', 'electron');
  fs.mkdirSync(electron, { recursive: true });
  fs.writeFileSync(path.join(electron, 'package.json'), '{"name":"electron","version":"45.5.0"}');
  fs.writeFileSync(path.join(electron, 'abi_version'), '150');
  fs.symlinkSync(BETTER_SQLITE3, path.join(root, 'node_modules', 'better-sqlite3'), 'junction');
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
});

const target = (): ElectronTarget => readElectronTarget(root, platform, arch);

/** A file that declares an ABI the way a native module's exported entry point does. */
function fakeModule(abi: string): Buffer {
  return Buffer.concat([Buffer.alloc(2048, 0x2e), Buffer.from(`node_register_module_v${abi}\0`)]);
}

/** A prebuild tarball as better-sqlite3 publishes them: build/Release/better_sqlite3.node. */
function tarball(binary: Buffer): Buffer {
  const stage = fs.mkdtempSync(path.join(scratch, 'tar-'));
  fs.mkdirSync(path.join(stage, 'build/Release'), { recursive: true });
  fs.writeFileSync(path.join(stage, 'build/Release/better_sqlite3.node'), binary);
  const file = path.join(scratch, 'prebuild.tar.gz');
  execFileSync('tar', ['-czf', file, '-C', stage, 'build']);
  return fs.readFileSync(file);
}

/** A mirror on 127.0.0.1 that serves `files` by URL path and answers 404 to the rest. */
async function mirror(files: Record<string, Buffer>) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files[req.url ?? ''];
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Where a prebuild for the fixture's Electron sits on a prebuild-install mirror. */
const prebuildPath = () =>
  `/v${BETTER_SQLITE3_VERSION}/better-sqlite3-v${BETTER_SQLITE3_VERSION}-electron-v150-${platform}-${arch}.tar.gz`;

/** Both downloads go to `mirrorUrl`; caches are empty and private to the test. */
function env(mirrorUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: scratch,
    npm_config_cache: path.join(scratch, 'npm-cache'),
    npm_config_devdir: path.join(scratch, 'gyp'),
    npm_config_node_gyp: NODE_GYP,
    npm_config_better_sqlite3_binary_host: mirrorUrl,
    AIRLOCK_ELECTRON_HEADERS_URL: `${mirrorUrl}/headers`,
  };
}

describe('readElectronTarget', () => {
  it("reads Electron's version and ABI and better-sqlite3's version from node_modules", () => {
    expect(readElectronTarget(root, 'darwin', 'arm64')).toEqual({
      electronVersion: '45.5.0',
      abi: '150',
      platform: 'darwin',
      arch: 'arm64',
      betterSqlite3Version: BETTER_SQLITE3_VERSION,
    });
  });

  it('says to run npm install when the electron package is missing or broken', () => {
    fs.writeFileSync(path.join(root, 'node_modules/electron/abi_version'), 'v150?');
    expect(() => target()).toThrow("does not hold Electron's ABI (a number); reinstall");
    fs.rmSync(path.join(root, 'node_modules/electron'), { recursive: true });
    expect(() => target()).toThrow('is missing or unreadable; run `npm install` first.');
  });
});

describe('buildStatus', () => {
  function place(binary: Buffer, info?: object): string {
    const dir = electronBuildDir(root, target());
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'better_sqlite3.node'), binary);
    if (info) fs.writeFileSync(path.join(dir, BUILD_INFO_FILE), JSON.stringify(info));
    return dir;
  }
  const info = {
    electronVersion: '45.5.0',
    abi: '150',
    platform,
    arch,
    betterSqlite3Version: BETTER_SQLITE3_VERSION,
    source: 'prebuilt',
  };

  it('keeps a build made for this Electron, this better-sqlite3 and this ABI', () => {
    const dir = place(fakeModule('150'), info);
    expect(buildStatus(dir, target())).toEqual({ upToDate: true });
  });

  it('makes it again when anything it was made for has changed', () => {
    const t = target();
    const dir = electronBuildDir(root, t);
    expect(buildStatus(dir, t)).toEqual({ upToDate: false, reason: 'there is none yet' });
    place(fakeModule('150'));
    expect(buildStatus(dir, t)).toMatchObject({
      reason: `${BUILD_INFO_FILE} is missing or unreadable`,
    });
    place(fakeModule('150'), { ...info, electronVersion: '44.0.0' });
    expect(buildStatus(dir, t)).toMatchObject({ reason: 'it was made for Electron 44.0.0' });
    place(fakeModule('150'), { ...info, betterSqlite3Version: '11.0.0' });
    expect(buildStatus(dir, t)).toMatchObject({ reason: 'it was made from better-sqlite3 11.0.0' });
    place(fs.readFileSync(NODE_BUILD), info);
    expect(buildStatus(dir, t)).toMatchObject({
      reason: `its binary is for ABI ${process.versions.modules}`,
    });
  });
});

describe('ensureElectronSqlite', () => {
  it("installs better-sqlite3's prebuilt binary for Electron beside node_modules, then keeps it", async () => {
    const binary = fakeModule('150');
    const server = await mirror({ [prebuildPath()]: tarball(binary) });
    const nodeBuildBefore = fs.readFileSync(NODE_BUILD);
    try {
      const made = await ensureElectronSqlite({ root, platform, arch, env: env(server.url) });
      const dir = electronBuildDir(root, target());
      expect(made).toEqual({
        ok: true,
        path: path.join(dir, 'better_sqlite3.node'),
        made: 'prebuilt',
      });
      expect(fs.readFileSync(path.join(dir, 'better_sqlite3.node')).equals(binary)).toBe(true);
      expect(readBuildInfo(path.join(dir, BUILD_INFO_FILE))).toEqual({
        electronVersion: '45.5.0',
        abi: '150',
        platform,
        arch,
        betterSqlite3Version: BETTER_SQLITE3_VERSION,
        source: 'prebuilt',
      });
      // What the app will load accepts it; Node's build, which the tests load, is untouched.
      expect(() =>
        checkElectronBinding(
          { kind: 'electron', path: made.ok ? made.path : '', packaged: false },
          { electron: '45.5.0', modules: '150', platform, arch },
        ),
      ).not.toThrow();
      expect(fs.readFileSync(NODE_BUILD).equals(nodeBuildBefore)).toBe(true);
      expect(fs.readdirSync(path.join(root, 'native')).filter((n) => n.startsWith('.'))).toEqual(
        [],
      );

      const requests = server.requests.length;
      const again = await ensureElectronSqlite({ root, platform, arch, env: env(server.url) });
      expect(again).toMatchObject({ ok: true, made: 'kept' });
      expect(server.requests.length).toBe(requests);
    } finally {
      await server.close();
    }
  });

  it('rejects a prebuilt binary for the wrong ABI, then says why both ways failed', async () => {
    // A mirror that serves Node's build under Electron's name, and no Electron headers.
    const server = await mirror({ [prebuildPath()]: tarball(fs.readFileSync(NODE_BUILD)) });
    try {
      const result = await ensureElectronSqlite({ root, platform, arch, env: env(server.url) });
      expect(result.ok).toBe(false);
      const message = result.ok ? '' : result.message;
      expect(message).toContain(
        `The desktop app needs SQLite for Electron 45.5.0 (ABI 150, ${platform}-${arch}), and it could not be made:`,
      );
      expect(message).toContain(
        `the binary it gave is for ABI ${process.versions.modules}, not 150`,
      );
      expect(message).toContain(`could not download ${server.url}/headers/v45.5.0/`);
      expect(message).toContain('Or use the headless Airlock instead: npx airlock serve');
      expect(message).toContain(`Full output: ${path.join('native', 'electron-native.log')}`);
      expect(fs.existsSync(electronBuildDir(root, target()))).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('says it cannot fetch either download, and points to airlock serve', async () => {
    const server = await mirror({});
    try {
      const result = await ensureElectronSqlite({ root, platform, arch, env: env(server.url) });
      const message = result.ok ? '' : result.message;
      expect(message).toContain(
        `prebuilt binary (${server.url}${prebuildPath()}): No prebuilt binaries found`,
      );
      expect(message).toContain(
        "Cannot fetch Electron's prebuilt better-sqlite3 or Electron's headers from this machine.",
      );
      expect(message).toContain('use the headless Airlock instead: npx airlock serve');
      // Both tools really ran and asked the mirror.
      expect(server.requests).toContain(prebuildPath());
      expect(server.requests.some((url) => url.startsWith('/headers/v45.5.0/'))).toBe(true);
      expect(fs.readFileSync(path.join(root, 'native/electron-native.log'), 'utf8')).toContain(
        'gyp',
      );
    } finally {
      await server.close();
    }
  });

  it('reads its inputs before any download, and fails clearly without them', async () => {
    fs.rmSync(path.join(root, 'node_modules/electron'), { recursive: true });
    const result = await ensureElectronSqlite({
      root,
      platform,
      arch,
      env: env('http://127.0.0.1:9'),
    });
    expect(result).toEqual({
      ok: false,
      message: expect.stringContaining('run `npm install` first'),
    });
  });
});

// readModuleAbi is what decides "for ABI N" above; make sure the fake modules declare what they say.
it('fake modules in these tests declare the ABI they are named for', () => {
  const file = path.join(scratch, 'fake.node');
  fs.writeFileSync(file, fakeModule('150'));
  expect(readModuleAbi(file)).toBe('150');
});
