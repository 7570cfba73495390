// How this install starts the stdio bridge (`airlock connect`) for clients that only speak stdio:
// Node.js by its absolute path (a client started from the desktop often has a PATH without nvm's
// or Homebrew's node) and this install's own bin/airlock.js, found by walking up from the running
// code (src/main/adapters/clients in a clone, out/main once built). The packaged desktop app has
// none: its code sits inside app.asar with no bin/, and its Electron cannot run a plain script
// (the ELECTRON_RUN_AS_NODE fuse is off), so it says so and names what works instead.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BridgeInfo } from '../../../shared/mcp-clients';

export interface BridgeOptions {
  dataDir: string;
  /** Where to start looking for bin/airlock.js; default this module's folder. */
  from?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** The running Node.js, or undefined under Electron (whose binary is not Node). */
  nodePath?: string;
}

/** At most this many folders up from the running code. */
const MAX_LEVELS = 8;

export function findBridge(options: BridgeOptions): BridgeInfo {
  const script = findScript(options.from ?? path.dirname(fileURLToPath(import.meta.url)));
  if (script === undefined) {
    return {
      ok: false,
      reason:
        'This Airlock has no command line for the stdio bridge: it is the packaged app, whose code is inside its app archive, and Electron there runs no plain scripts. Clients that need the bridge (Claude Desktop) can be protected with `npx airlock protect CLIENT` from a clone of Airlock (npm install), which uses the same data folder.',
    };
  }
  const node =
    options.nodePath !== undefined
      ? options.nodePath
      : process.versions.electron === undefined
        ? process.execPath
        : findOnPath('node', options.env ?? process.env, options.platform ?? process.platform);
  if (node === undefined) {
    return {
      ok: false,
      reason:
        'Node.js was not found on PATH, and the stdio bridge runs on it: install Node.js 20.19 or newer, then open Airlock again.',
    };
  }
  return { ok: true, command: node, args: [script], dataDir: path.resolve(options.dataDir) };
}

/** bin/airlock.js of the package named "airlock" at or above `dir`. */
function findScript(dir: string): string | undefined {
  let current = path.resolve(dir);
  for (let level = 0; level < MAX_LEVELS; level++) {
    const script = path.join(current, 'bin', 'airlock.js');
    if (fs.existsSync(script) && isAirlockPackage(path.join(current, 'package.json'))) {
      return fs.realpathSync(script);
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return undefined;
}

function isAirlockPackage(file: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown }).name === 'airlock';
  } catch {
    return false;
  }
}

/** The absolute path of `name` on PATH (with Windows' extensions), or undefined. */
export function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): string | undefined {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const dirs = (env.PATH ?? env.Path ?? '').split(p.delimiter).filter((d) => p.isAbsolute(d));
  const extensions = platform === 'win32' ? ['.exe'] : [''];
  for (const dir of dirs) {
    for (const extension of extensions) {
      const candidate = p.join(dir, name + extension);
      try {
        if (!fs.statSync(candidate).isFile()) continue;
        if (platform !== 'win32') fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {
        // Not here.
      }
    }
  }
  return undefined;
}
