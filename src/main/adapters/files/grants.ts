// Grants: the client identities agents present as Bearer tokens. Each grant's whole record (name,
// creation time, token hash) lives in secrets.json, never in config.json, which users paste over.
import { hash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { isValidName, NAME_RULE } from '../../../shared/model/names';
import { silentLogger, systemClock, type Clock, type Logger } from '../../core/ports';
import {
  describeConfigProblems,
  loadConfig,
  readConfigText,
  updateConfigJson,
} from './config-file';
import { secretsPath } from './data-dir';
import {
  isTokenHash,
  readSecrets,
  writeSecrets,
  type GrantRecord,
  type Secrets,
} from './secrets-file';

const GRANT_TOKEN_PREFIX = 'alk_';

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
  /** False for a grant moved from a config.json that had no hash for it: it cannot authenticate. */
  hasToken: boolean;
}

export function hashGrantToken(token: string): string {
  // The one-shot hash: a Hash object per request showed up in the proxy's CPU profile.
  return 'sha256:' + hash('sha256', token, 'hex');
}

/**
 * Creates a grant and returns its token. Throws GrantError for an invalid or taken name, or
 * when secrets.json cannot be read. A revoked name can be created again and gets a new token.
 */
export function createGrant(
  dataDir: string,
  name: string,
  clock: Clock = systemClock,
): CreatedGrant {
  if (!isValidName(name)) throw new GrantError(`"${name}" is not a valid grant name: ${NAME_RULE}`);
  const secrets = openGrants(dataDir);
  if (secrets.grants.has(name)) throw new GrantError(`a grant named "${name}" already exists`);
  const token = GRANT_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  secrets.grants.set(name, {
    created: new Date(clock.now()).toISOString(),
    tokenHash: hashGrantToken(token),
  });
  writeSecrets(dataDir, secrets);
  return { name, token };
}

/** Removes the grant's record, which revokes it; false when there was no such grant. */
export function revokeGrant(dataDir: string, name: string): boolean {
  const secrets = openGrants(dataDir);
  if (!secrets.grants.delete(name)) return false;
  writeSecrets(dataDir, secrets);
  return true;
}

/**
 * Gives a grant a new name; its token and creation time move with it (one write), so the agent
 * using it changes nothing. Throws GrantError for an unknown name or an invalid or taken new name.
 */
export function renameGrant(dataDir: string, name: string, newName: string): void {
  if (!isValidName(newName)) {
    throw new GrantError(`"${newName}" is not a valid grant name: ${NAME_RULE}`);
  }
  const secrets = openGrants(dataDir);
  const record = secrets.grants.get(name);
  if (record === undefined) throw new GrantError(`no grant is named "${name}"`);
  if (secrets.grants.has(newName)) {
    throw new GrantError(`a grant named "${newName}" already exists`);
  }
  secrets.grants.delete(name);
  secrets.grants.set(newName, record);
  writeSecrets(dataDir, secrets);
}

/** Every grant, oldest first. Throws GrantError when secrets.json cannot be read. */
export function listGrants(dataDir: string): GrantSummary[] {
  return [...openGrants(dataDir).grants].map(([name, record]) => ({
    name,
    created: record.created,
    hasToken: record.tokenHash !== undefined,
  }));
}

export interface GrantsMigration {
  /** Grants moved from config.json into secrets.json just now. */
  moved: number;
  /**
   * config.json has a "grants" key although the grants live in secrets.json (say, a config.json
   * pasted from a backup). It is ignored: it neither creates nor revokes anything.
   */
  configGrantsIgnored: boolean;
}

/**
 * Moves the grants of an older data folder (names in config.json's "grants", token hashes in
 * secrets.json's "grantTokens") into secrets.json, then takes "grants" out of config.json, keeping
 * the rest of that file as it was. `airlock serve` runs it at start and every `airlock grants`
 * command before it reads anything; on a folder already moved it only reads.
 *
 * The writes are ordered so that a crash at any point neither loses a grant nor brings back a
 * revoked one: (1) secrets.json gets the records and keeps "grantTokens" as a mark that the move
 * is unfinished; (2) "grants" leaves config.json; (3) the mark leaves secrets.json. A restart after
 * (1) or (2) finishes from (2), and never reads config.json's names again. A hash without a name
 * in config.json (a grant revoked by an older version that crashed half-way) is not moved.
 */
export function migrateGrants(dataDir: string): GrantsMigration {
  const secrets = readSecrets(dataDir);
  if (!secrets.ok) throw new GrantError(secrets.reason);
  const { moved } = finishMigration(dataDir, secrets);
  return { moved, configGrantsIgnored: configHasGrants(dataDir) };
}

type OpenGrants = Secrets & { grants: Map<string, GrantRecord> };

/** secrets.json with its grants, moved there first if this folder still has them in config.json. */
function openGrants(dataDir: string): OpenGrants {
  const secrets = readSecrets(dataDir);
  if (!secrets.ok) throw new GrantError(secrets.reason);
  return finishMigration(dataDir, secrets).secrets;
}

function finishMigration(
  dataDir: string,
  secrets: Secrets,
): { secrets: OpenGrants; moved: number } {
  let moved = 0;
  if (secrets.grants === undefined) {
    // Step 1. Only here are config.json's names read, and only names it lists are moved.
    const hadGrantsKey = configHasGrants(dataDir);
    const grants = new Map<string, GrantRecord>();
    // With hashes of an older version, a config.json that does not parse must not read as "no grants".
    if (hadGrantsKey || secrets.legacyTokens !== undefined) {
      const config = loadConfig(dataDir);
      if (!config.ok) {
        throw new GrantError(
          `the grants in config.json cannot be moved to secrets.json until it is fixed:\n${describeConfigProblems(dataDir, config.errors)}`,
        );
      }
      for (const { name, created } of config.value.grants) {
        const tokenHash = secrets.legacyTokens?.get(name);
        grants.set(name, { created, ...(isTokenHash(tokenHash) ? { tokenHash } : {}) });
      }
    }
    secrets.grants = grants;
    moved = grants.size;
    // Kept (or added) as the mark that config.json still has to lose its "grants".
    if (hadGrantsKey) secrets.legacyTokens ??= new Map();
    // Written even with nothing to move, so that a "grants" key in a config.json pasted later is
    // never read; but a data folder that does not exist yet (`grants list` on a new one) stays so.
    if (fs.existsSync(dataDir)) writeSecrets(dataDir, secrets);
  }
  if (secrets.legacyTokens !== undefined) {
    // Steps 2 and 3.
    if (configHasGrants(dataDir)) updateConfigJson(dataDir, ['grants'], undefined);
    secrets.legacyTokens = undefined;
    writeSecrets(dataDir, secrets);
  }
  return { secrets: secrets as OpenGrants, moved };
}

/** Whether config.json has a top-level "grants" key; false when the file is missing or unparsable. */
function configHasGrants(dataDir: string): boolean {
  const text = readConfigText(dataDir);
  if (typeof text !== 'string') return false;
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  return root !== undefined && findNodeAtLocation(root, ['grants']) !== undefined;
}

export interface GrantAuthenticatorOptions {
  clock?: Clock;
  logger?: Logger;
  /** Minimum time between checks of secrets.json for changes. */
  statIntervalMs?: number;
  /**
   * Grants whose tokens stopped working: revoked in this process (see revoked()) or found gone from
   * secrets.json (say, `airlock grants revoke` run by another process). A renamed grant keeps its
   * token and is not reported.
   */
  onRevoked?: (names: string[]) => void;
}

/**
 * Maps a Bearer token to its grant's name. Picks up grants created or revoked while it runs by
 * checking secrets.json's stat at most every statIntervalMs (default 250 ms), so a flood of bad
 * tokens costs one hash and one Map lookup each, never a file read. If the file turns invalid, the
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
    private readonly opts: GrantAuthenticatorOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.statIntervalMs = opts.statIntervalMs ?? 250;
    this.reload();
  }

  /** Checks the file on the next authenticate, for a grant created or renamed in this process. */
  refresh(): void {
    this.lastCheck = -Infinity;
  }

  /** The grant's name, or undefined for an unknown, revoked or malformed token. */
  authenticate(token: string): string | undefined {
    this.check();
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
    // Comparing hashes rather than tokens means lookup timing reveals nothing usable about a token.
    return this.byHash.get(hashGrantToken(token));
  }

  /** Re-reads secrets.json if its stat changed and the interval has passed since the last look. */
  check(): void {
    if (this.clock.now() - this.lastCheck >= this.statIntervalMs) this.checkNow();
  }

  /** Re-reads secrets.json if its stat changed, now (say, before a held call may run). */
  checkNow(): void {
    this.lastCheck = this.clock.now();
    if (this.currentSignature() !== this.signature) this.reload();
  }

  /**
   * Checks secrets.json every `intervalMs` even when no agent calls, so that a grant revoked by
   * another process ends (held calls refused, sessions closed) without waiting for a request.
   */
  watch(intervalMs = this.statIntervalMs): () => void {
    const timer = setInterval(() => {
      try {
        this.checkNow();
      } catch (error) {
        this.logger.warn('could not check secrets.json for revoked grants', {
          error: (error as Error).message,
        });
      }
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** This process revoked the grant: its token stops working now, whatever the file says next. */
  revoked(name: string): void {
    for (const [tokenHash, grant] of this.byHash) if (grant === name) this.byHash.delete(tokenHash);
    this.refresh();
    this.reportRevoked([name]);
  }

  /** Re-reads the file now (say, right after this process created a grant). */
  reload(): void {
    // Stat before reading: a write that lands after the read changes the signature again.
    const signature = this.currentSignature();
    const secrets = readSecrets(this.dataDir);
    this.signature = signature;
    if (!secrets.ok) {
      this.logger.warn('grants not reloaded; the previous grants stay in force', {
        reason: secrets.reason,
      });
      return;
    }
    if (secrets.grants === undefined && secrets.legacyTokens !== undefined) {
      // Airlock moved the grants at start, so this file was swapped for an older version's.
      this.logger.warn(
        `${secretsPath(this.dataDir)} has token hashes in an older layout and no "grants"; no token is accepted`,
      );
    }
    const byHash = new Map<string, string>();
    for (const [name, record] of secrets.grants ?? []) {
      if (record.tokenHash !== undefined) byHash.set(record.tokenHash, name);
    }
    const gone = [...this.byHash]
      .filter(([tokenHash]) => !byHash.has(tokenHash))
      .map(([, name]) => name);
    this.byHash = byHash;
    if (gone.length > 0) this.reportRevoked(gone);
  }

  /** The tokens are refused already; a listener's failure must not fail the request that noticed. */
  private reportRevoked(names: string[]): void {
    try {
      this.opts.onRevoked?.(names);
    } catch (error) {
      this.logger.error('could not end every session and held call of a revoked grant', {
        grants: names,
        error: (error as Error)?.message ?? String(error),
      });
    }
  }

  private currentSignature(): string {
    const st = fs.statSync(secretsPath(this.dataDir), { throwIfNoEntry: false });
    return st === undefined ? '-' : `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  }
}
