// Grants: the client identities agents present as Bearer tokens. A grant is valid while it is
// named in config.json's grants and its token's sha256 is in secrets.json; tokens are never stored.
import { hash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { isValidName, NAME_RULE } from '../../core/config/names';
import { silentLogger, systemClock, type Clock, type Logger, type Parsed } from '../../core/ports';
import { writeFileAtomic } from './atomic-write';
import { describeConfigProblems, loadConfig, updateConfigJson } from './config-file';
import { configPath, secretsPath } from './data-dir';

export const GRANT_TOKEN_PREFIX = 'alk_';

/** secrets.json holds hashes of bearer tokens and, later, upstream credentials. */
const SECRETS_MODE = 0o600;
const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;
/** "alk_" + 43 base64url characters; anything much longer is not ours and is not worth hashing. */
const MAX_TOKEN_LENGTH = 256;

/** An expected refusal (bad or duplicate name, unreadable files), with a message for the user. */
export class GrantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GrantError';
  }
}

export interface CreatedGrant {
  name: string;
  /** Shown once; only its hash is kept. */
  token: string;
}

export interface GrantSummary {
  name: string;
  created: string;
  /** False when secrets.json has no token for it (say, config.json was copied from another machine): it cannot authenticate. */
  hasToken: boolean;
}

export function hashGrantToken(token: string): string {
  // The one-shot hash: a Hash object per request showed up in the proxy's CPU profile.
  return 'sha256:' + hash('sha256', token, 'hex');
}

/**
 * Creates a grant and returns its token. Throws GrantError for an invalid or taken name, or
 * when config.json or secrets.json cannot be read. A revoked name (gone from config.json) can
 * be created again and gets a new token.
 */
export function createGrant(
  dataDir: string,
  name: string,
  clock: Clock = systemClock,
): CreatedGrant {
  if (!isValidName(name)) throw new GrantError(`"${name}" is not a valid grant name: ${NAME_RULE}`);
  const config = loadConfig(dataDir);
  if (!config.ok) throw new GrantError(describeConfigProblems(dataDir, config.errors));
  if (config.value.grants.some((g) => g.name === name)) {
    throw new GrantError(`a grant named "${name}" already exists`);
  }
  const secrets = readSecrets(dataDir);
  if (!secrets.ok) throw new GrantError(secrets.reason);

  const token = GRANT_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  secrets.grantTokens.set(name, hashGrantToken(token));
  // Secret first, config second: a failure in between leaves a hash without a grant entry,
  // which authenticates no one.
  writeSecrets(dataDir, secrets.document, secrets.grantTokens);
  updateConfigJson(dataDir, ['grants', name], { created: new Date(clock.now()).toISOString() });
  return { name, token };
}

/** Removes the grant from config.json (which revokes it) and its hash from secrets.json. */
export function revokeGrant(dataDir: string, name: string): boolean {
  const config = loadConfig(dataDir);
  if (!config.ok) throw new GrantError(describeConfigProblems(dataDir, config.errors));
  const listed = config.value.grants.some((g) => g.name === name);
  if (listed) updateConfigJson(dataDir, ['grants', name], undefined);
  const secrets = readSecrets(dataDir);
  if (secrets.ok && secrets.grantTokens.delete(name)) {
    writeSecrets(dataDir, secrets.document, secrets.grantTokens);
  }
  return listed;
}

/**
 * Gives a grant a new name; its token and creation time move with it, so the agent using it
 * changes nothing. Throws GrantError for an unknown name or an invalid or taken new name.
 */
export function renameGrant(dataDir: string, name: string, newName: string): void {
  if (!isValidName(newName)) {
    throw new GrantError(`"${newName}" is not a valid grant name: ${NAME_RULE}`);
  }
  const config = loadConfig(dataDir);
  if (!config.ok) throw new GrantError(describeConfigProblems(dataDir, config.errors));
  const grant = config.value.grants.find((g) => g.name === name);
  if (!grant) throw new GrantError(`no grant is named "${name}"`);
  if (config.value.grants.some((g) => g.name === newName)) {
    throw new GrantError(`a grant named "${newName}" already exists`);
  }
  const secrets = readSecrets(dataDir);
  if (!secrets.ok) throw new GrantError(secrets.reason);
  const tokenHash = secrets.grantTokens.get(name);
  // Secret first, as in createGrant: until config.json names the new grant, its token
  // authenticates no one, so a failure in between locks the agent out rather than in.
  if (tokenHash !== undefined) {
    secrets.grantTokens.delete(name);
    secrets.grantTokens.set(newName, tokenHash);
    writeSecrets(dataDir, secrets.document, secrets.grantTokens);
  }
  updateConfigJson(dataDir, ['grants', newName], { created: grant.created });
  updateConfigJson(dataDir, ['grants', name], undefined);
}

export function listGrants(dataDir: string): Parsed<GrantSummary[]> {
  const config = loadConfig(dataDir);
  if (!config.ok) return config;
  const secrets = readSecrets(dataDir);
  const tokens = secrets.ok ? secrets.grantTokens : new Map<string, string>();
  return {
    ok: true,
    value: config.value.grants.map((g) => ({
      name: g.name,
      created: g.created,
      hasToken: HASH_PATTERN.test(tokens.get(g.name) ?? ''),
    })),
  };
}

export interface GrantAuthenticatorOptions {
  clock?: Clock;
  logger?: Logger;
  /** Minimum time between checks of the files for changes. */
  statIntervalMs?: number;
}

/**
 * Maps a Bearer token to its grant's name. Picks up grants created or revoked while it runs by
 * checking the two files' stat at most every statIntervalMs (default 250 ms), so a flood of bad
 * tokens costs one hash and one Map lookup each, never a file read. If a file turns invalid, the
 * last good grant set stays in force (as with policies) until it is fixed.
 */
export class GrantAuthenticator {
  private byHash = new Map<string, string>();
  private signature: string | undefined;
  private lastCheck = -Infinity;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly statIntervalMs: number;

  constructor(
    private readonly dataDir: string,
    opts: GrantAuthenticatorOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.statIntervalMs = opts.statIntervalMs ?? 250;
    this.reload();
  }

  /** Checks the files on the next authenticate, for a grant created or revoked in this process. */
  refresh(): void {
    this.lastCheck = -Infinity;
  }

  /** The grant's name, or undefined for an unknown, revoked or malformed token. */
  authenticate(token: string): string | undefined {
    const now = this.clock.now();
    if (now - this.lastCheck >= this.statIntervalMs) {
      this.lastCheck = now;
      if (this.currentSignature() !== this.signature) this.reload();
    }
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
    // Comparing hashes rather than tokens means lookup timing reveals nothing usable about a token.
    return this.byHash.get(hashGrantToken(token));
  }

  /** Re-reads both files now (say, right after this process created a grant). */
  reload(): void {
    // Stat before reading: a write that lands after the read changes the signature again.
    const signature = this.currentSignature();
    const table = loadGrantTable(this.dataDir);
    this.signature = signature;
    if (table.ok) {
      this.byHash = table.byHash;
    } else {
      this.logger.warn('grants not reloaded; the previous grants stay in force', {
        reason: table.reason,
      });
    }
  }

  private currentSignature(): string {
    return [configPath(this.dataDir), secretsPath(this.dataDir)]
      .map((file) => {
        const st = fs.statSync(file, { throwIfNoEntry: false });
        return st === undefined ? '-' : `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      })
      .join('|');
  }
}

type GrantTable = { ok: true; byHash: Map<string, string> } | { ok: false; reason: string };

function loadGrantTable(dataDir: string): GrantTable {
  const config = loadConfig(dataDir);
  if (!config.ok) return { ok: false, reason: describeConfigProblems(dataDir, config.errors) };
  const secrets = readSecrets(dataDir);
  if (!secrets.ok) return secrets;
  const byHash = new Map<string, string>();
  for (const grant of config.value.grants) {
    const hash = secrets.grantTokens.get(grant.name);
    if (hash !== undefined && HASH_PATTERN.test(hash)) byHash.set(hash, grant.name);
  }
  return { ok: true, byHash };
}

type Secrets =
  | { ok: true; document: Record<string, unknown>; grantTokens: Map<string, string> }
  | { ok: false; reason: string };

/** secrets.json, keeping the whole document so that rewriting it preserves other keys. */
function readSecrets(dataDir: string): Secrets {
  const file = secretsPath(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { ok: true, document: {}, grantTokens: new Map() };
    }
    return { ok: false, reason: `cannot read ${file}: ${(err as Error).message}` };
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `${file} is not valid JSON: ${(err as Error).message}` };
  }
  if (!isObject(document)) return { ok: false, reason: `${file} must contain a JSON object` };
  const raw = document.grantTokens ?? {};
  if (!isObject(raw)) return { ok: false, reason: `${file}: grantTokens must be an object` };
  const grantTokens = new Map<string, string>();
  for (const [name, hash] of Object.entries(raw)) {
    if (typeof hash === 'string') grantTokens.set(name, hash);
  }
  return { ok: true, document, grantTokens };
}

function writeSecrets(
  dataDir: string,
  document: Record<string, unknown>,
  grantTokens: Map<string, string>,
): void {
  const next = { ...document, grantTokens: Object.fromEntries(grantTokens) };
  writeFileAtomic(secretsPath(dataDir), JSON.stringify(next, null, 2) + '\n', {
    mode: SECRETS_MODE,
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
