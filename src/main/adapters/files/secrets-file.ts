// secrets.json, readable by the user alone: each grant's record (creation time, token hash), the
// per-install key for argument hashes and the UI token. Replaced atomically; keys this version does
// not know are kept.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { isValidName } from '../../../shared/model/names';
import { writeFileAtomic } from './atomic-write';
import { secretsPath } from './data-dir';

const SECRETS_MODE = 0o600;
const TOKEN_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;
const ARGS_HASH_KEY_PATTERN = /^[0-9a-f]{64}$/;

/** One client identity. The token itself is never stored. */
export interface GrantRecord {
  /** ISO 8601 time the grant was created. */
  created: string;
  /** sha256 of the token; absent for a grant moved from a config.json that had no hash for it. */
  tokenHash?: string;
}

export interface Secrets {
  /** The whole document, so that a rewrite keeps keys this version does not know. */
  document: Record<string, unknown>;
  /** Undefined until the grants have moved here from config.json (see migrateGrants). */
  grants?: Map<string, GrantRecord>;
  /** Token hashes by grant name, as versions that kept the grants in config.json wrote them. */
  legacyTokens?: Map<string, string>;
  /** Hex of the 32-byte key that argument hashes in the history are made with. */
  argsHashKey?: string;
}

export type SecretsRead = ({ ok: true } & Secrets) | { ok: false; reason: string };

export function isTokenHash(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_HASH_PATTERN.test(value);
}

/**
 * Reads secrets.json; a missing file is an empty document. Anything malformed is an error rather
 * than something skipped: a rewrite would otherwise drop it, and a grant or the key would be lost.
 */
export function readSecrets(dataDir: string): SecretsRead {
  const file = secretsPath(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, document: {} };
    return { ok: false, reason: `cannot read ${file}: ${(err as Error).message}` };
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `${file} is not valid JSON: ${(err as Error).message}` };
  }
  if (!isObject(document)) return { ok: false, reason: `${file} must contain a JSON object` };
  const secrets: Secrets = { document };

  if (document.grants !== undefined) {
    if (!isObject(document.grants)) {
      return { ok: false, reason: `${file}: "grants" must be an object` };
    }
    secrets.grants = new Map();
    for (const [name, record] of Object.entries(document.grants)) {
      const created = isObject(record) ? record.created : undefined;
      const tokenHash = isObject(record) ? record.tokenHash : undefined;
      if (
        !isValidName(name) ||
        typeof created !== 'string' ||
        (tokenHash !== undefined && !isTokenHash(tokenHash))
      ) {
        return {
          ok: false,
          reason: `${file}: grants.${name} must be {"created": "<time>", "tokenHash": "sha256:<64 hex digits>"} under a valid name`,
        };
      }
      secrets.grants.set(name, { created, ...(tokenHash === undefined ? {} : { tokenHash }) });
    }
  }

  if (document.grantTokens !== undefined) {
    if (!isObject(document.grantTokens)) {
      return { ok: false, reason: `${file}: "grantTokens" must be an object` };
    }
    secrets.legacyTokens = new Map();
    for (const [name, tokenHash] of Object.entries(document.grantTokens)) {
      if (typeof tokenHash === 'string') secrets.legacyTokens.set(name, tokenHash);
    }
  }

  if (document.argsHashKey !== undefined) {
    if (
      typeof document.argsHashKey !== 'string' ||
      !ARGS_HASH_KEY_PATTERN.test(document.argsHashKey)
    ) {
      return { ok: false, reason: `${file}: "argsHashKey" must be 64 hex digits` };
    }
    secrets.argsHashKey = document.argsHashKey;
  }
  return { ok: true, ...secrets };
}

/** Replaces secrets.json (mode 0600) atomically with `secrets`, keeping the document's other keys. */
export function writeSecrets(dataDir: string, secrets: Secrets): void {
  const next: Record<string, unknown> = { ...secrets.document };
  delete next.grants;
  delete next.grantTokens;
  delete next.argsHashKey;
  if (secrets.argsHashKey !== undefined) next.argsHashKey = secrets.argsHashKey;
  if (secrets.grants !== undefined) next.grants = Object.fromEntries(secrets.grants);
  if (secrets.legacyTokens !== undefined) {
    next.grantTokens = Object.fromEntries(secrets.legacyTokens);
  }
  writeFileAtomic(secretsPath(dataDir), JSON.stringify(next, null, 2) + '\n', {
    mode: SECRETS_MODE,
  });
  secrets.document = next;
}

/**
 * The per-install key for argument hashes, created (32 random bytes) the first time it is asked
 * for and kept from then on, so a call's hash stays comparable across restarts. Throws when
 * secrets.json cannot be read: replacing an unreadable file could lose the grants in it.
 */
export function loadArgsHashKey(dataDir: string): Buffer {
  const secrets = readSecrets(dataDir);
  if (!secrets.ok) throw new SecretsProblem(secrets.reason);
  if (secrets.argsHashKey === undefined) {
    secrets.argsHashKey = randomBytes(32).toString('hex');
    writeSecrets(dataDir, secrets);
  }
  return Buffer.from(secrets.argsHashKey, 'hex');
}

/**
 * The UI token kept under "uiToken" (see adapters/http/ui-token.ts, which checks and makes it):
 * undefined when there is none yet. Apart from readSecrets so the grants' code never sees it; a
 * rewrite of the grants keeps it, as it keeps every key it does not know.
 */
export function readStoredUiToken(dataDir: string): unknown {
  const secrets = readSecrets(dataDir);
  if (!secrets.ok) throw new SecretsProblem(secrets.reason);
  return secrets.document.uiToken;
}

/** Replaces the kept UI token (or sets the first one), keeping everything else in secrets.json. */
export function storeUiToken(dataDir: string, token: string): void {
  const secrets = readSecrets(dataDir);
  if (!secrets.ok) throw new SecretsProblem(secrets.reason);
  writeSecrets(dataDir, { ...secrets, document: { ...secrets.document, uiToken: token } });
}

/** secrets.json cannot be used as it is; the message names the file and the problem. */
export class SecretsProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsProblem';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
