// Where Airlock keeps its files, and the one place that names them: config.json, secrets.json,
// upstream-secrets.json, history.sqlite, pause.json, serve.json, protected-clients.json and
// policies/<server-id>.json inside the data directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isValidName } from '../../../shared/model/names';

export const DATA_FILES = {
  config: 'config.json',
  secrets: 'secrets.json',
  /** Upstream env and header values, where no OS keychain can keep them. */
  upstreamSecrets: 'upstream-secrets.json',
  history: 'history.sqlite',
  policies: 'policies',
  pause: 'pause.json',
  /** Where the Airlock guarding the folder listens, while it runs. */
  running: 'serve.json',
  /** The MCP clients Airlock protects: their grant, imported servers, backups and hashes. */
  protectedClients: 'protected-clients.json',
} as const;

export const POLICY_EXTENSION = '.json';

export function configPath(dataDir: string): string {
  return path.join(dataDir, DATA_FILES.config);
}

export function secretsPath(dataDir: string): string {
  return path.join(dataDir, DATA_FILES.secrets);
}

export function upstreamSecretsPath(dataDir: string): string {
  return path.join(dataDir, DATA_FILES.upstreamSecrets);
}

export function historyPath(dataDir: string): string {
  return path.join(dataDir, DATA_FILES.history);
}

export function pausePath(dataDir: string): string {
  return path.join(dataDir, DATA_FILES.pause);
}

export function policiesDir(dataDir: string): string {
  return path.join(dataDir, DATA_FILES.policies);
}

/** policies/<server-id>.json. Throws for an invalid id: config.json's ids are checked before they get here. */
export function policyPath(dataDir: string, serverId: string): string {
  if (!isValidName(serverId)) throw new Error(`"${serverId}" is not a valid server id`);
  return path.join(policiesDir(dataDir), serverId + POLICY_EXTENSION);
}

export interface DataDirOptions {
  /** The --data-dir flag. */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

/** --data-dir, else AIRLOCK_DATA_DIR, else the platform's usual per-user config location. */
export function resolveDataDir(opts: DataDirOptions = {}): string {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const p = platform === 'win32' ? path.win32 : path.posix;
  const explicit = nonEmpty(opts.flag) ?? nonEmpty(env.AIRLOCK_DATA_DIR);
  if (explicit !== undefined) return p.resolve(explicit);
  const home = opts.home ?? os.homedir();
  switch (platform) {
    case 'darwin':
      return p.join(home, 'Library', 'Application Support', 'Airlock');
    case 'win32':
      return p.join(nonEmpty(env.APPDATA) ?? p.join(home, 'AppData', 'Roaming'), 'Airlock');
    default: {
      // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
      const xdg = nonEmpty(env.XDG_CONFIG_HOME);
      const base = xdg !== undefined && p.isAbsolute(xdg) ? xdg : p.join(home, '.config');
      return p.join(base, 'airlock');
    }
  }
}

/** Creates the data directory and its policies/ folder, readable by the user alone. */
export function ensureDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(policiesDir(dir), { recursive: true, mode: 0o700 });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
