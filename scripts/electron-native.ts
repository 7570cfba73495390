// Makes SQLite's build for Electron: better-sqlite3 compiled for the installed Electron's ABI, in
// native/electron-<platform>-<arch>/, beside Node's build in node_modules that the tests and
// `airlock serve` load. `npm start`, `npm run dev` and `npm run package` run it first; when the
// build there already matches the installed Electron and better-sqlite3, it does nothing.
//
// It takes better-sqlite3's prebuilt binary for Electron (prebuild-install, from the project's
// GitHub releases), else compiles it against Electron's headers (node-gyp: Python 3 and a C++
// compiler). Either download can come from a mirror: npm_config_better_sqlite3_binary_host
// (prebuild-install's own setting) and AIRLOCK_ELECTRON_HEADERS_URL (default
// https://electronjs.org/headers).
//
//   node --import tsx scripts/electron-native.ts
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  BINARY_FILE,
  BUILD_INFO_FILE,
  NATIVE_DIR,
  electronBuildDirName,
  readBuildInfo,
  readModuleAbi,
  type BuildInfo,
} from '../src/main/adapters/sqlite/native-binding';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_HEADERS_URL = 'https://electronjs.org/headers';
export const LOG_FILE = 'electron-native.log';

/** What the Electron build must match: read from node_modules, so it needs no network. */
export interface ElectronTarget {
  electronVersion: string;
  /** From node_modules/electron/abi_version: Electron's NODE_MODULE_VERSION. */
  abi: string;
  platform: string;
  arch: string;
  betterSqlite3Version: string;
}

export function readElectronTarget(
  root: string,
  platform: string = process.platform,
  arch: string = process.arch,
): ElectronTarget {
  const electronDir = join(root, 'node_modules', 'electron');
  const electronVersion = readPackageVersion(join(electronDir, 'package.json'));
  const abiFile = join(electronDir, 'abi_version');
  const abi = existsSync(abiFile) ? readFileSync(abiFile, 'utf8').trim() : '';
  if (!/^\d+$/.test(abi)) {
    throw new Error(
      `${abiFile} does not hold Electron's ABI (a number); reinstall with \`npm install\`.`,
    );
  }
  const betterSqlite3Version = readPackageVersion(
    join(root, 'node_modules', 'better-sqlite3', 'package.json'),
  );
  return { electronVersion, abi, platform, arch, betterSqlite3Version };
}

function readPackageVersion(file: string): string {
  let version: unknown;
  try {
    version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
  } catch {
    throw new Error(`${file} is missing or unreadable; run \`npm install\` first.`);
  }
  if (typeof version !== 'string') throw new Error(`${file} has no version.`);
  return version;
}

/** The folder that holds the build for `target` under `root`. */
export function electronBuildDir(root: string, target: ElectronTarget): string {
  return join(root, NATIVE_DIR, electronBuildDirName(target.platform, target.arch));
}

export type BuildStatus = { upToDate: true } | { upToDate: false; reason: string };

/** Whether the build in `dir` can be used as it is for `target`, and if not, why. */
export function buildStatus(dir: string, target: ElectronTarget): BuildStatus {
  const binary = join(dir, BINARY_FILE);
  if (!existsSync(binary)) return { upToDate: false, reason: 'there is none yet' };
  const info = readBuildInfo(join(dir, BUILD_INFO_FILE));
  if (!info) return { upToDate: false, reason: `${BUILD_INFO_FILE} is missing or unreadable` };
  if (info.electronVersion !== target.electronVersion) {
    return { upToDate: false, reason: `it was made for Electron ${info.electronVersion}` };
  }
  if (info.betterSqlite3Version !== target.betterSqlite3Version) {
    return {
      upToDate: false,
      reason: `it was made from better-sqlite3 ${info.betterSqlite3Version}`,
    };
  }
  const abi = readModuleAbi(binary);
  if (abi !== target.abi) {
    return { upToDate: false, reason: `its binary is for ABI ${abi ?? 'unknown'}` };
  }
  return { upToDate: true };
}

export interface EnsureOptions {
  root?: string;
  platform?: string;
  arch?: string;
  env?: NodeJS.ProcessEnv;
  /** Progress lines for the person waiting (a compile takes minutes). */
  log?: (line: string) => void;
}

export type EnsureResult =
  { ok: true; path: string; made: 'kept' | BuildInfo['source'] } | { ok: false; message: string };

/** Makes the Electron build unless an up-to-date one is there. Never touches node_modules. */
export async function ensureElectronSqlite(options: EnsureOptions = {}): Promise<EnsureResult> {
  const root = options.root ?? REPO_ROOT;
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  let target: ElectronTarget;
  try {
    target = readElectronTarget(root, options.platform, options.arch);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const dir = electronBuildDir(root, target);
  const status = buildStatus(dir, target);
  if (status.upToDate) return { ok: true, path: join(dir, BINARY_FILE), made: 'kept' };

  const what = `SQLite for Electron ${target.electronVersion} (ABI ${target.abi}, ${target.platform}-${target.arch})`;
  log(`Making ${what}: ${status.reason}.`);
  const nativeRoot = join(root, NATIVE_DIR);
  mkdirSync(nativeRoot, { recursive: true });
  const logFile = join(nativeRoot, LOG_FILE);
  writeFileSync(logFile, `${what}\n`);
  // Its real path, so its own dependencies (prebuild-install) resolve however node_modules is laid out.
  const packageDir = realpathSync(join(root, 'node_modules', 'better-sqlite3'));
  const childEnv = cleanEnv(env);
  const failures: Failure[] = [];

  for (const source of ['prebuilt', 'source'] as const) {
    if (source === 'source') log('No prebuilt binary; compiling better-sqlite3 (a few minutes).');
    // A scratch copy of the package, so neither tool writes into node_modules/better-sqlite3.
    const stage = mkdtempSync(join(nativeRoot, '.stage-'));
    try {
      const attempt =
        source === 'prebuilt'
          ? await fetchPrebuilt(packageDir, stage, target, childEnv, logFile)
          : await compileFromSource(root, packageDir, stage, target, childEnv, logFile);
      if (attempt.ok) {
        const abi = readModuleAbi(attempt.binary);
        if (abi === target.abi) {
          install(dir, attempt.binary, { ...target, source });
          log(`${what} is ready: ${relative(root, join(dir, BINARY_FILE))}`);
          return { ok: true, path: join(dir, BINARY_FILE), made: source };
        }
        failures.push({
          ok: false,
          label: attempt.label,
          reason: `the binary it gave is for ABI ${abi ?? 'unknown'}, not ${target.abi}`,
          network: false,
        });
      } else {
        failures.push(attempt);
      }
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  }
  return { ok: false, message: failureMessage(what, failures, relative(root, logFile)) };
}

type Failure = { ok: false; label: string; reason: string; network: boolean };
type Attempt = { ok: true; binary: string; label: string } | Failure;

async function fetchPrebuilt(
  packageDir: string,
  stage: string,
  target: ElectronTarget,
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<Attempt> {
  // prebuild-install reads the package's name and version from package.json in its working
  // folder and unpacks build/Release/better_sqlite3.node there.
  copyFileSync(join(packageDir, 'package.json'), join(stage, 'package.json'));
  const bin = createRequire(join(packageDir, 'package.json')).resolve('prebuild-install/bin.js');
  const args = [
    ...['--runtime', 'electron', '--target', target.electronVersion],
    ...['--arch', target.arch, '--platform', target.platform, '--verbose'],
  ];
  const { code, output } = await run(process.execPath, [bin, ...args], stage, env, logFile);
  const url = /GET (\S+)/.exec(output)?.[1];
  const label = `prebuilt binary${url ? ` (${url})` : ''}`;
  const binary = join(stage, 'build', 'Release', BINARY_FILE);
  if (code === 0 && existsSync(binary)) return { ok: true, binary, label };
  const warnings = [...output.matchAll(/warn install (.+)/g)].map((match) => match[1]);
  const reason = warnings.at(-1)?.trim() ?? lastLine(output) ?? `prebuild-install exited ${code}`;
  return { ok: false, label, reason, network: isNetworkFailure(reason) };
}

async function compileFromSource(
  root: string,
  packageDir: string,
  stage: string,
  target: ElectronTarget,
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<Attempt> {
  const headersUrl = env.AIRLOCK_ELECTRON_HEADERS_URL || DEFAULT_HEADERS_URL;
  const label = `build from source against Electron's headers (${headersUrl})`;
  const nodeGyp = findNodeGyp(root, env);
  if (!nodeGyp) {
    return { ok: false, label, reason: 'node-gyp is not installed', network: false };
  }
  for (const entry of ['package.json', 'binding.gyp', 'src', 'deps']) {
    cpSync(join(packageDir, entry), join(stage, entry), { recursive: true });
  }
  const args = [
    ...['rebuild', '--release', `--target=${target.electronVersion}`],
    ...[`--arch=${target.arch}`, `--dist-url=${headersUrl}`],
  ];
  const { code, output } = await run(process.execPath, [nodeGyp, ...args], stage, env, logFile);
  const binary = join(stage, 'build', 'Release', BINARY_FILE);
  if (code === 0 && existsSync(binary)) return { ok: true, binary, label };
  const reason = gypError(output) ?? `node-gyp exited ${code}`;
  const download = /gyp http GET (\S+)/.exec(output)?.[1];
  const network = isNetworkFailure(reason);
  return {
    ok: false,
    label,
    reason: network && download ? `could not download ${download}: ${reason}` : reason,
    network,
  };
}

function findNodeGyp(root: string, env: NodeJS.ProcessEnv): string | undefined {
  // npm tells its scripts where its own node-gyp is; outside npm, the project's copy.
  if (env.npm_config_node_gyp && existsSync(env.npm_config_node_gyp)) {
    return env.npm_config_node_gyp;
  }
  try {
    return createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

/** node-gyp's own words for what went wrong: its "stack Error" lines, without the stack. */
function gypError(output: string): string | undefined {
  const lines = output.split('\n');
  const first = lines.findIndex((line) => /gyp ERR! stack Error: /.test(line));
  if (first === -1) {
    return lines
      .find(
        (line) =>
          line.includes('gyp ERR!') && !/ERR! (stack|System|command|cwd|node|not ok)/.test(line),
      )
      ?.replace(/.*gyp ERR! /, '');
  }
  const words: string[] = [];
  for (const line of lines.slice(first)) {
    const text = /gyp ERR! stack (.*)/.exec(line)?.[1]?.trim();
    if (text === undefined || text.startsWith('at ')) break;
    words.push(text.replace(/^Error: /, ''));
  }
  return words.join(' ');
}

function isNetworkFailure(text: string): boolean {
  return /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|network|No prebuilt binaries found|\b40[34]\b/i.test(
    text,
  );
}

function lastLine(text: string): string | undefined {
  return text.trim().split('\n').at(-1)?.trim() || undefined;
}

function failureMessage(what: string, failures: Failure[], logFile: string): string {
  const tried = failures.map((failure) => `  - ${failure.label}: ${failure.reason}`);
  const offline = failures.every((failure) => failure.network);
  const advice = offline
    ? "Cannot fetch Electron's prebuilt better-sqlite3 or Electron's headers from this machine. " +
      'Connect it to github.com and electronjs.org (or point npm_config_better_sqlite3_binary_host ' +
      'and AIRLOCK_ELECTRON_HEADERS_URL at mirrors) and try again, or use the headless Airlock ' +
      'instead: npx airlock serve'
    : 'Compiling needs Python 3 and a C++ compiler (see https://github.com/nodejs/node-gyp#installation). ' +
      'Or use the headless Airlock instead: npx airlock serve';
  return [
    `The desktop app needs ${what}, and it could not be made:`,
    ...tried,
    advice,
    `Full output: ${logFile}`,
  ].join('\n');
}

/** Puts the binary in place, then its build-info.json, each by rename, so no reader sees half a file. */
function install(dir: string, binary: string, info: BuildInfo): void {
  mkdirSync(dir, { recursive: true });
  const temporary = join(dir, `.${BINARY_FILE}.${process.pid}`);
  copyFileSync(binary, temporary);
  renameSync(temporary, join(dir, BINARY_FILE));
  const infoTemporary = join(dir, `.${BUILD_INFO_FILE}.${process.pid}`);
  writeFileSync(infoTemporary, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(infoTemporary, join(dir, BUILD_INFO_FILE));
}

/** npm's package fields would make prebuild-install think the package came from git and skip. */
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('npm_package_')));
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    appendFileSync(logFile, `\n$ ${[command, ...args].join(' ')}  (in ${cwd})\n`);
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      appendFileSync(logFile, text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => resolve({ code: -1, output: `${output}\n${error.message}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

async function main(): Promise<void> {
  const result = await ensureElectronSqlite({ log: (line) => console.log(line) });
  if (result.ok) {
    if (result.made === 'kept')
      console.log(`SQLite's Electron build is up to date: ${result.path}`);
    return;
  }
  console.error(result.message);
  process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
