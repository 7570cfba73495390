// `npm start` and `npm run dev`: checks what the desktop app needs (Electron's binary, a build
// of the app no older than its sources, SQLite's Electron build), then launches it: the built
// app with `electron .`, or electron-vite's dev mode with --dev. Whatever is missing ends the
// run with one message that says why and what to do, and exit code 1.
//
//   node --import tsx scripts/start.ts [--dev]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureElectronSqlite } from './electron-native';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export type ElectronBinary = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Where Electron's executable is, found as node_modules/electron/index.js finds it (path.txt,
 * dist/, ELECTRON_OVERRIDE_DIST_PATH) but without requiring that module: when the binary is
 * missing, it starts the download again and throws.
 */
export function findElectronBinary(root: string, env: NodeJS.ProcessEnv): ElectronBinary {
  const electronDir = join(root, 'node_modules', 'electron');
  const pathFile = join(electronDir, 'path.txt');
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const path = join(override, executable || 'electron');
    if (existsSync(path)) return { ok: true, path };
    return { ok: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary: ${path}` };
  }
  const dist = relative(root, join(electronDir, 'dist')) || join(electronDir, 'dist');
  if (!existsSync(electronDir)) {
    return { ok: false, reason: 'node_modules/electron is missing: run `npm install`' };
  }
  if (!executable) {
    return {
      ok: false,
      reason: `${dist} is missing: its download failed or was skipped when npm installed it`,
    };
  }
  const path = join(electronDir, 'dist', executable);
  if (existsSync(path)) return { ok: true, path };
  return { ok: false, reason: `${relative(root, path)} is missing: its download did not finish` };
}

export function missingElectronMessage(reason: string): string {
  return [
    `Electron's binary could not be installed on this machine (${reason}). ` +
      'Run the headless Airlock instead: npx airlock serve',
    'To try the download again: node node_modules/electron/install.js',
  ].join('\n');
}

/** What electron-vite builds; the app runs from these. */
const BUILD_OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'];
/** What the build is made from. */
const BUILD_INPUTS = ['src', 'electron.vite.config.ts', 'package.json'];

/** Why out/ must be built again before a launch, or undefined if it is up to date. */
export function staleBuildReason(root: string): string | undefined {
  let oldestOutput = Infinity;
  for (const output of BUILD_OUTPUTS) {
    const file = join(root, output);
    if (!existsSync(file)) return `${output} is missing`;
    oldestOutput = Math.min(oldestOutput, statSync(file).mtimeMs);
  }
  for (const input of BUILD_INPUTS) {
    const newer = newerFile(join(root, input), oldestOutput);
    if (newer) return `${relative(root, newer)} changed since the last build`;
  }
  return undefined;
}

function newerFile(path: string, than: number): string | undefined {
  if (!existsSync(path)) return undefined;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs > than ? path : undefined;
  for (const entry of readdirSync(path)) {
    const newer = newerFile(join(path, entry), than);
    if (newer) return newer;
  }
  return undefined;
}

export interface StartOptions {
  root?: string;
  /** electron-vite's dev mode (renderer served with hot reload) instead of the built app. */
  dev?: boolean;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  error?: (line: string) => void;
}

/** Runs the checks and then the app; resolves to the exit code for the process. */
export async function runStart(options: StartOptions = {}): Promise<number> {
  const root = options.root ?? REPO_ROOT;
  const env = options.env ?? process.env;
  const log = options.log ?? ((line) => console.log(line));
  const error = options.error ?? ((line) => console.error(line));

  // First, so a machine that cannot run the app is told so before minutes of building.
  const electron = findElectronBinary(root, env);
  if (!electron.ok) {
    error(missingElectronMessage(electron.reason));
    return 1;
  }
  if (!options.dev) {
    const stale = staleBuildReason(root);
    if (stale) {
      log(`Building the app (${stale}).`);
      const built = await run(process.execPath, [electronVite(root), 'build'], root, env);
      if (built !== 0) {
        error('The build failed (its errors are above), so the app was not started.');
        return built;
      }
    }
  }
  const sqlite = await ensureElectronSqlite({ root, env, log });
  if (!sqlite.ok) {
    error(sqlite.message);
    return 1;
  }
  // The app is Electron's main process: a leftover ELECTRON_RUN_AS_NODE would make it plain Node.
  const appEnv = { ...env };
  delete appEnv.ELECTRON_RUN_AS_NODE;
  return options.dev
    ? run(process.execPath, [electronVite(root), 'dev'], root, appEnv)
    : run(electron.path, ['.'], root, appEnv);
}

function electronVite(root: string): string {
  const pkg = createRequire(join(root, 'package.json')).resolve('electron-vite/package.json');
  return join(dirname(pkg), 'bin', 'electron-vite.js');
}

/** Runs a command in the foreground; a signal that ends this process is passed on to it. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<number>((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGTERM', forward);
    process.on('SIGINT', forward);
    const done = (code: number) => {
      process.off('SIGTERM', forward);
      process.off('SIGINT', forward);
      resolve(code);
    };
    child.on('error', (failure) => {
      console.error(`Could not run ${command}: ${failure.message}`);
      done(1);
    });
    child.on('close', (code) => done(code ?? 1));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runStart({ dev: process.argv.includes('--dev') });
}
