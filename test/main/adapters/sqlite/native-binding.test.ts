// Which better-sqlite3 binary openDatabase loads: Node's build under Node, SQLite's Electron build
// under Electron (from native/ in a checkout, from the resources folder when packaged), and a
// clear error instead of dlopen's when that build is missing or for another ABI. Electron cannot
// run here, so "under Electron" is a runtime passed in; the binaries are real files.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase } from '../../../../src/main/adapters/sqlite/database';
import {
  BUILD_INFO_FILE,
  SqliteBindingError,
  chooseSqliteBinding,
  electronBuildDirName,
  readModuleAbi,
  type BuildInfo,
  type ElectronAppPaths,
  type SqliteRuntime,
} from '../../../../src/main/adapters/sqlite/native-binding';

const require = createRequire(import.meta.url);
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The build `npm install` made for Node; the tests and `airlock serve` load it. */
const NODE_BUILD = path.join(
  path.dirname(require.resolve('better-sqlite3/package.json')),
  'build/Release/better_sqlite3.node',
);
const { platform, arch } = process;
const NODE: SqliteRuntime = { modules: process.versions.modules, platform, arch };
const ELECTRON: SqliteRuntime = { electron: '45.5.0', modules: '150', platform, arch };

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-binding-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A checkout at `dir` whose native/ holds `binary` as the Electron build. */
function devApp(binary?: string, info?: BuildInfo): { app: ElectronAppPaths; copy: string } {
  const buildDir = path.join(dir, 'native', electronBuildDirName(platform, arch));
  const copy = path.join(buildDir, 'better_sqlite3.node');
  fs.mkdirSync(buildDir, { recursive: true });
  if (binary) fs.copyFileSync(binary, copy);
  if (info) fs.writeFileSync(path.join(buildDir, BUILD_INFO_FILE), JSON.stringify(info));
  return { app: { isPackaged: false, appPath: dir, resourcesPath: '/nowhere' }, copy };
}

/** What scripts/electron-native.ts writes next to a build it made. */
function buildInfo(overrides: Partial<BuildInfo> = {}): BuildInfo {
  return {
    electronVersion: '45.5.0',
    abi: '150',
    platform,
    arch,
    betterSqlite3Version: '12.11.1',
    source: 'prebuilt',
    ...overrides,
  };
}

/** A file that declares an ABI the way a native module's exported entry point does. */
function fakeModule(abi: string): string {
  const file = path.join(dir, `fake-${abi}.node`);
  const filler = Buffer.alloc(4096, 0x2e);
  fs.writeFileSync(file, Buffer.concat([filler, Buffer.from(`node_register_module_v${abi}\0`)]));
  return file;
}

describe('chooseSqliteBinding', () => {
  const app: ElectronAppPaths = {
    isPackaged: false,
    appPath: '/home/me/airlock',
    resourcesPath: '/opt/Airlock/resources',
  };

  it("leaves Node to better-sqlite3's own build in node_modules", () => {
    expect(chooseSqliteBinding(NODE, undefined)).toEqual({ kind: 'node' });
    expect(chooseSqliteBinding(NODE, app)).toEqual({ kind: 'node' });
  });

  it('takes the build for this platform and architecture from native/ in a checkout', () => {
    expect(chooseSqliteBinding({ ...ELECTRON, platform: 'darwin', arch: 'arm64' }, app)).toEqual({
      kind: 'electron',
      packaged: false,
      path: path.join('/home/me/airlock/native/electron-darwin-arm64/better_sqlite3.node'),
    });
  });

  it("takes the packaged app's build from its resources folder, outside the asar", () => {
    expect(chooseSqliteBinding(ELECTRON, { ...app, isPackaged: true })).toEqual({
      kind: 'electron',
      packaged: true,
      path: path.join('/opt/Airlock/resources/native/better_sqlite3.node'),
    });
  });

  it('refuses to guess under Electron when the entry did not say where the app is', () => {
    expect(() => chooseSqliteBinding(ELECTRON, undefined)).toThrow(SqliteBindingError);
  });

  it("names 32-bit ARM as electron-builder's ${arch} does", () => {
    expect(electronBuildDirName('linux', 'arm')).toBe('electron-linux-armv7l');
  });
});

describe('readModuleAbi', () => {
  it("reads the ABI Node's own build was compiled for", () => {
    expect(readModuleAbi(NODE_BUILD)).toBe(process.versions.modules);
  });

  it('reads an ABI from the entry point name alone, and nothing from a file without one', () => {
    expect(readModuleAbi(fakeModule('150'))).toBe('150');
    const plain = path.join(dir, 'plain.node');
    fs.writeFileSync(plain, 'not a module');
    expect(readModuleAbi(plain)).toBeUndefined();
  });

  it('gives no answer for a file that names two ABIs', () => {
    const file = path.join(dir, 'two.node');
    fs.writeFileSync(file, 'node_register_module_v115\0node_register_module_v150\0');
    expect(readModuleAbi(file)).toBeUndefined();
  });
});

describe('openDatabase under Node', () => {
  it("loads node_modules' build and never looks at native/", () => {
    const { app, copy } = devApp();
    fs.writeFileSync(copy, 'not a module');
    const db = openDatabase(path.join(dir, 'history.sqlite'), MIGRATIONS, {
      electronApp: app,
      runtime: NODE,
    });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(require.cache[fs.realpathSync(NODE_BUILD)]).toBeDefined();
      expect(require.cache[copy]).toBeUndefined();
    } finally {
      db.close();
    }
  });
});

describe('openDatabase under Electron', () => {
  it('loads SQLite through the Electron build in native/, not through node_modules', () => {
    // Node's own build stands in for an Electron one whose ABI matches this process.
    const { app, copy } = devApp(NODE_BUILD, buildInfo({ abi: process.versions.modules }));
    const runtime = { ...ELECTRON, modules: process.versions.modules };
    const db = openDatabase(path.join(dir, 'history.sqlite'), MIGRATIONS, {
      electronApp: app,
      runtime,
    });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(require.cache[copy]).toBeDefined();
    } finally {
      db.close();
    }
  });

  it('refuses a build for another ABI with a message that says what to run', () => {
    const { app, copy } = devApp(NODE_BUILD);
    const file = path.join(dir, 'history.sqlite');
    const open = () => openDatabase(file, MIGRATIONS, { electronApp: app, runtime: ELECTRON });
    expect(open).toThrow(SqliteBindingError);
    expect(open).toThrow(
      `SQLite's build at ${copy} is for ABI ${process.versions.modules}, but Electron 45.5.0 ` +
        'needs ABI 150. Run `npm start`, which builds it',
    );
    // Nothing was loaded, and the data folder did not get an empty history.
    expect(require.cache[copy]).toBeUndefined();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('says the build is missing, and in a packaged app that the install is incomplete', () => {
    const { app, copy } = devApp();
    const file = path.join(dir, 'history.sqlite');
    expect(() => openDatabase(file, MIGRATIONS, { electronApp: app, runtime: ELECTRON })).toThrow(
      `SQLite's build for Electron 45.5.0 is missing (${copy}). Run \`npm start\``,
    );
    const packaged = { isPackaged: true, appPath: '/x', resourcesPath: dir };
    expect(() =>
      openDatabase(file, MIGRATIONS, { electronApp: packaged, runtime: ELECTRON }),
    ).toThrow('Reinstall Airlock: this copy of the app is incomplete.');
  });

  it('refuses a build for another platform or architecture', () => {
    const other = arch === 'arm64' ? 'x64' : 'arm64';
    const { app } = devApp(fakeModule('150'), buildInfo({ arch: other }));
    expect(() =>
      openDatabase(path.join(dir, 'history.sqlite'), MIGRATIONS, {
        electronApp: app,
        runtime: ELECTRON,
      }),
    ).toThrow(`is for ${platform}-${other}, but this is ${platform}-${arch}`);
  });

  it('refuses a file that is not a native module', () => {
    const { app, copy } = devApp();
    fs.writeFileSync(copy, 'not a module');
    expect(() =>
      openDatabase(path.join(dir, 'history.sqlite'), MIGRATIONS, {
        electronApp: app,
        runtime: ELECTRON,
      }),
    ).toThrow('names no Node ABI');
  });
});

describe("the Electron build in this checkout's native/", () => {
  const copy = path.join(
    REPO_ROOT,
    'native',
    electronBuildDirName(platform, arch),
    'better_sqlite3.node',
  );

  it("is for the installed Electron's ABI", (context) => {
    if (!fs.existsSync(copy)) {
      context.skip(
        `no ${path.relative(REPO_ROOT, copy)}: \`npm start\` makes it, which needs github.com ` +
          'or electronjs.org (unreachable on the machine this was written on)',
      );
    }
    const electronAbi = fs
      .readFileSync(path.join(REPO_ROOT, 'node_modules/electron/abi_version'), 'utf8')
      .trim();
    expect(readModuleAbi(copy)).toBe(electronAbi);
  });
});
