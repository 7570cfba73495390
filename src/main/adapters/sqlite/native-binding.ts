// Which compiled better-sqlite3 a process loads. Node (tests, `airlock serve`) loads the build in
// node_modules; Electron needs a second build for its own ABI, which scripts/electron-native.ts
// makes under native/ and packaging ships in the app's resources. The rules live here, pure, so
// both the loader and that script follow the same ones.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder under the project (dev) or the app's resources (packaged) that holds the Electron build. */
export const NATIVE_DIR = 'native';
export const BINARY_FILE = 'better_sqlite3.node';
/** Written next to the binary by scripts/electron-native.ts: what it was built for, and how. */
export const BUILD_INFO_FILE = 'build-info.json';

/** The process that is about to open SQLite; `process` by default. */
export interface SqliteRuntime {
  /** process.versions.electron: set only under Electron. */
  electron?: string;
  /** process.versions.modules: the ABI (NODE_MODULE_VERSION) a native module must be built for. */
  modules: string;
  platform: string;
  arch: string;
}

/** Where the Electron app runs from; the Electron entry passes app.isPackaged, app.getAppPath() and process.resourcesPath. */
export interface ElectronAppPaths {
  isPackaged: boolean;
  appPath: string;
  /** process.resourcesPath; only a packaged app needs it (and passes it). */
  resourcesPath?: string;
}

export interface BuildInfo {
  electronVersion: string;
  abi: string;
  platform: string;
  arch: string;
  betterSqlite3Version: string;
  /** 'prebuilt' (better-sqlite3's release for Electron) or 'source' (compiled against Electron's headers). */
  source: 'prebuilt' | 'source';
}

export type SqliteBinding =
  /** better-sqlite3 finds its own build in node_modules, made for Node by `npm install`. */
  { kind: 'node' } | { kind: 'electron'; path: string; packaged: boolean };

export function currentRuntime(): SqliteRuntime {
  return {
    electron: process.versions.electron,
    modules: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
  };
}

/**
 * The Electron build's folder name under native/ in a checkout: one per platform and
 * architecture, named as electron-builder's ${platform} and ${arch} expand (it calls 32-bit ARM
 * "armv7l" where Node says "arm"), so its config can copy the one it packages.
 */
export function electronBuildDirName(platform: string, arch: string): string {
  return `electron-${platform}-${arch === 'arm' ? 'armv7l' : arch}`;
}

/**
 * The binary a process should load. Packaged apps carry one build in resources/native (the
 * electron-builder config copies native/electron-<platform>-<arch> there); a checkout keeps one
 * per platform and architecture under native/.
 */
export function chooseSqliteBinding(
  runtime: SqliteRuntime,
  app: ElectronAppPaths | undefined,
): SqliteBinding {
  if (runtime.electron === undefined) return { kind: 'node' };
  if (app === undefined) {
    throw new SqliteBindingError(
      'Airlock runs under Electron but was not told where the app lives, so it cannot find the ' +
        'Electron build of SQLite (the Electron entry must pass electronApp to startRuntime).',
    );
  }
  if (app.isPackaged && app.resourcesPath === undefined) {
    throw new SqliteBindingError(
      'Airlock runs packaged but was not told its resources folder, where the Electron build of ' +
        'SQLite is (the Electron entry must pass process.resourcesPath).',
    );
  }
  const path = app.isPackaged
    ? join(app.resourcesPath!, NATIVE_DIR, BINARY_FILE)
    : join(
        app.appPath,
        NATIVE_DIR,
        electronBuildDirName(runtime.platform, runtime.arch),
        BINARY_FILE,
      );
  return { kind: 'electron', path, packaged: app.isPackaged };
}

/** SQLite's native module cannot be loaded in this process; the message says why and what to do. */
export class SqliteBindingError extends Error {
  override name = 'SqliteBindingError';
}

/**
 * Throws a SqliteBindingError unless the Electron build at `binding.path` is there and made for
 * this process, so the app can say so instead of failing inside dlopen with Node's message about
 * NODE_MODULE_VERSION.
 */
export function checkElectronBinding(
  binding: Extract<SqliteBinding, { kind: 'electron' }>,
  runtime: SqliteRuntime,
): void {
  const remedy = binding.packaged
    ? 'Reinstall Airlock: this copy of the app is incomplete.'
    : 'Run `npm start`, which builds it (or `node --import tsx scripts/electron-native.ts`).';
  const electron = `Electron ${runtime.electron ?? ''}`.trimEnd();
  if (!existsSync(binding.path)) {
    throw new SqliteBindingError(
      `SQLite's build for ${electron} is missing (${binding.path}). ${remedy}`,
    );
  }
  const abi = readModuleAbi(binding.path);
  if (abi === undefined) {
    throw new SqliteBindingError(
      `${binding.path} names no Node ABI (no node_register_module_v<ABI> in it), so it is not ` +
        `a build of SQLite for ${electron}. ${remedy}`,
    );
  }
  if (abi !== runtime.modules) {
    throw new SqliteBindingError(
      `SQLite's build at ${binding.path} is for ABI ${abi}, but ${electron} needs ABI ` +
        `${runtime.modules}. ${remedy}`,
    );
  }
  const info = readBuildInfo(join(dirname(binding.path), BUILD_INFO_FILE));
  if (info && (info.platform !== runtime.platform || info.arch !== runtime.arch)) {
    throw new SqliteBindingError(
      `SQLite's build at ${binding.path} is for ${info.platform}-${info.arch}, but this is ` +
        `${runtime.platform}-${runtime.arch}. ${remedy}`,
    );
  }
}

const REGISTER_SYMBOL = 'node_register_module_v';

/**
 * The ABI a native module was compiled for, read from the name of the entry point that
 * NODE_MODULE declares (`node_register_module_v<ABI>`; ELF, Mach-O and PE all keep exported
 * names as text). Undefined if the file names no ABI, or more than one.
 */
export function readModuleAbi(file: string): string | undefined {
  const bytes = readFileSync(file);
  const found = new Set<string>();
  let at = bytes.indexOf(REGISTER_SYMBOL);
  while (at !== -1) {
    let end = at + REGISTER_SYMBOL.length;
    while (end < bytes.length && end - at < REGISTER_SYMBOL.length + 6 && isDigit(bytes[end]))
      end++;
    if (end > at + REGISTER_SYMBOL.length) {
      found.add(bytes.toString('latin1', at + REGISTER_SYMBOL.length, end));
    }
    at = bytes.indexOf(REGISTER_SYMBOL, end);
  }
  return found.size === 1 ? [...found][0] : undefined;
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/** The build-info.json next to a binary, or undefined if it is missing or not one. */
export function readBuildInfo(file: string): BuildInfo | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const info = parsed as Record<string, unknown>;
  const text = ['electronVersion', 'abi', 'platform', 'arch', 'betterSqlite3Version'] as const;
  if (!text.every((key) => typeof info[key] === 'string')) return undefined;
  if (info.source !== 'prebuilt' && info.source !== 'source') return undefined;
  return info as unknown as BuildInfo;
}
