// Grants against a real data directory: creation, hashing at rest, authentication, live pickup
// of new and revoked grants, the cost of bad tokens, and the move of an older folder's grants out
// of config.json into secrets.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configPath, secretsPath } from '../../../../src/main/adapters/files/data-dir';
import {
  createGrant,
  GrantAuthenticator,
  GrantError,
  hashGrantToken,
  listGrants,
  migrateGrants,
  renameGrant,
  revokeGrant,
} from '../../../../src/main/adapters/files/grants';
import type { Clock } from '../../../../src/main/core/ports';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-grants-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

class FakeClock implements Clock {
  constructor(public t = Date.parse('2025-03-04T05:06:07.000Z')) {}
  now(): number {
    return this.t;
  }
}

const readSecretsJson = () => JSON.parse(fs.readFileSync(secretsPath(dir), 'utf8'));
const fileText = (file: string) => fs.readFileSync(file, 'utf8');

describe('renameGrant', () => {
  it('moves the record (token hash, creation time) to the new name; the token keeps working', () => {
    const { token } = createGrant(dir, 'laptop', new FakeClock());
    createGrant(dir, 'desk');
    renameGrant(dir, 'laptop', 'old-laptop');
    const { grants } = readSecretsJson();
    expect(Object.keys(grants)).toEqual(['desk', 'old-laptop']);
    expect(grants['old-laptop']).toEqual({
      created: '2025-03-04T05:06:07.000Z',
      tokenHash: hashGrantToken(token),
    });
    expect(new GrantAuthenticator(dir).authenticate(token)).toBe('old-laptop');
  });

  it('refuses an unknown grant, a taken name and an invalid one, changing nothing', () => {
    createGrant(dir, 'laptop');
    createGrant(dir, 'desk');
    const before = fileText(secretsPath(dir));
    expect(() => renameGrant(dir, 'nobody', 'x')).toThrow(/no grant is named "nobody"/);
    expect(() => renameGrant(dir, 'laptop', 'desk')).toThrow(/already exists/);
    expect(() => renameGrant(dir, 'laptop', 'two words')).toThrow(/not a valid grant name/);
    expect(fileText(secretsPath(dir))).toBe(before);
  });
});

describe('createGrant', () => {
  it('returns an alk_ token and keeps only its hash, in a private secrets.json; config.json is not touched', () => {
    const clock = new FakeClock();
    const { name, token } = createGrant(dir, 'claude-desktop', clock);
    expect(name).toBe('claude-desktop');
    expect(token).toMatch(/^alk_[A-Za-z0-9_-]{43}$/);

    expect(readSecretsJson()).toEqual({
      grants: {
        'claude-desktop': {
          created: '2025-03-04T05:06:07.000Z',
          tokenHash: hashGrantToken(token),
        },
      },
    });
    expect(hashGrantToken(token)).toMatch(/^sha256:[0-9a-f]{64}$/);
    if (process.platform !== 'win32') {
      expect(fs.statSync(secretsPath(dir)).mode & 0o777).toBe(0o600);
    }
    expect(fs.existsSync(configPath(dir))).toBe(false);
    for (const file of fs.readdirSync(dir)) {
      expect(fileText(path.join(dir, file))).not.toContain(token);
      expect(fileText(path.join(dir, file))).not.toContain(token.slice(4));
    }
  });

  it('refuses duplicate and invalid names', () => {
    createGrant(dir, 'cli');
    expect(() => createGrant(dir, 'cli')).toThrow(GrantError);
    expect(() => createGrant(dir, 'cli')).toThrow(/already exists/);
    for (const bad of ['', '-x', '.x', 'a b', 'a/b', 'x'.repeat(65), 'émoji']) {
      expect(() => createGrant(dir, bad)).toThrow(/not a valid grant name/);
    }
    expect(createGrant(dir, 'A1_.-' + 'x'.repeat(59)).name).toHaveLength(64);
  });

  it('keeps other keys of secrets.json and refuses to overwrite a broken one', () => {
    fs.writeFileSync(secretsPath(dir), JSON.stringify({ upstream: { meatspace: 'hitl_x' } }));
    createGrant(dir, 'a');
    expect(readSecretsJson().upstream).toEqual({ meatspace: 'hitl_x' });
    fs.writeFileSync(secretsPath(dir), '{broken');
    expect(() => createGrant(dir, 'b')).toThrow(/not valid JSON/);
    expect(fileText(secretsPath(dir))).toBe('{broken');
  });

  it('gives a revoked name a new token when it is created again', () => {
    const first = createGrant(dir, 'cli');
    expect(revokeGrant(dir, 'cli')).toBe(true);
    expect(revokeGrant(dir, 'cli')).toBe(false);
    const second = createGrant(dir, 'cli');
    const auth = new GrantAuthenticator(dir);
    expect(auth.authenticate(first.token)).toBeUndefined();
    expect(auth.authenticate(second.token)).toBe('cli');
  });
});

describe('listGrants', () => {
  it('lists the grants in secrets.json, oldest first; names in config.json add nothing', () => {
    createGrant(dir, 'b', new FakeClock(0));
    createGrant(dir, 'a', new FakeClock(1000));
    fs.writeFileSync(
      configPath(dir),
      JSON.stringify({ grants: { pasted: { created: '2025-01-01T00:00:00.000Z' } } }),
    );
    expect(listGrants(dir)).toEqual([
      { name: 'b', created: '1970-01-01T00:00:00.000Z', hasToken: true },
      { name: 'a', created: '1970-01-01T00:00:01.000Z', hasToken: true },
    ]);
  });

  it('says why when secrets.json cannot be used', () => {
    fs.writeFileSync(secretsPath(dir), JSON.stringify({ grants: { a: { created: 5 } } }));
    expect(() => listGrants(dir)).toThrow(GrantError);
    expect(() => listGrants(dir)).toThrow(/grants\.a must be/);
  });
});

describe('migrateGrants (a data folder from before grants lived in secrets.json)', () => {
  // config.json as a person keeps it: their indentation, key order and line breaks.
  const LEGACY_CONFIG = [
    '{',
    '    "mcpServers": {  "meatspace": { "url": "https://meatspace.example/api/mcp" }  },',
    '    "grants": {',
    '        "laptop": { "created": "2025-01-01T00:00:00.000Z" },',
    '        "copied": { "created": "2025-01-02T00:00:00.000Z" }',
    '    },',
    '    "settings": { "port": 7821 }',
    '}',
    '',
  ].join('\n');
  const MIGRATED_CONFIG = [
    '{',
    '    "mcpServers": {  "meatspace": { "url": "https://meatspace.example/api/mcp" }  },',
    '    "settings": { "port": 7821 }',
    '}',
    '',
  ].join('\n');
  const LAPTOP_TOKEN = 'alk_laptop-token';
  const REVOKED_TOKEN = 'alk_revoked-by-an-older-version';

  function legacyFolder(): void {
    fs.writeFileSync(configPath(dir), LEGACY_CONFIG);
    fs.writeFileSync(
      secretsPath(dir),
      JSON.stringify({
        upstream: { meatspace: 'hitl_x' },
        grantTokens: {
          laptop: hashGrantToken(LAPTOP_TOKEN),
          // Its name already left config.json: revoked by a version that crashed half-way.
          revoked: hashGrantToken(REVOKED_TOKEN),
        },
      }),
    );
  }

  it('moves each grant into secrets.json and takes "grants" out of config.json, keeping the rest byte for byte', () => {
    legacyFolder();
    expect(migrateGrants(dir)).toEqual({ moved: 2, configGrantsIgnored: false });
    expect(fileText(configPath(dir))).toBe(MIGRATED_CONFIG);
    expect(readSecretsJson()).toEqual({
      upstream: { meatspace: 'hitl_x' },
      grants: {
        laptop: { created: '2025-01-01T00:00:00.000Z', tokenHash: hashGrantToken(LAPTOP_TOKEN) },
        // config.json named it, but secrets.json had no hash: listed, and authenticates no one.
        copied: { created: '2025-01-02T00:00:00.000Z' },
      },
    });
    const auth = new GrantAuthenticator(dir);
    expect(auth.authenticate(LAPTOP_TOKEN)).toBe('laptop');
    expect(auth.authenticate(REVOKED_TOKEN)).toBeUndefined();
    expect(listGrants(dir).map((g) => [g.name, g.hasToken])).toEqual([
      ['laptop', true],
      ['copied', false],
    ]);
    // Done once: a second run changes nothing.
    const secrets = fileText(secretsPath(dir));
    expect(migrateGrants(dir)).toEqual({ moved: 0, configGrantsIgnored: false });
    expect(fileText(secretsPath(dir))).toBe(secrets);
    expect(fileText(configPath(dir))).toBe(MIGRATED_CONFIG);
  });

  it('is run by every grants operation, so a CLI command on an old folder sees its grants', () => {
    legacyFolder();
    expect(() => createGrant(dir, 'laptop')).toThrow(/already exists/);
    expect(fileText(configPath(dir))).toBe(MIGRATED_CONFIG);
    expect(revokeGrant(dir, 'laptop')).toBe(true);
    expect(new GrantAuthenticator(dir).authenticate(LAPTOP_TOKEN)).toBeUndefined();
  });

  it('after a crash between its writes, finishes without losing or bringing back a grant', () => {
    legacyFolder();
    // The edit of config.json fails (the process dies there): secrets.json is already written.
    const rename = fs.renameSync;
    const spy = vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      if (String(to).endsWith('config.json')) throw new Error('killed');
      rename(from, to);
    });
    expect(() => migrateGrants(dir)).toThrow(/killed/);
    spy.mockRestore();
    expect(fileText(configPath(dir))).toBe(LEGACY_CONFIG);
    // Meanwhile the grants are in secrets.json already, and nothing else authenticates.
    const auth = new GrantAuthenticator(dir);
    expect(auth.authenticate(LAPTOP_TOKEN)).toBe('laptop');
    expect(auth.authenticate(REVOKED_TOKEN)).toBeUndefined();
    // Revoked before the next start: config.json's stale name must not bring it back.
    expect(revokeGrant(dir, 'laptop')).toBe(true);
    expect(fileText(configPath(dir))).toBe(MIGRATED_CONFIG);
    expect(migrateGrants(dir)).toEqual({ moved: 0, configGrantsIgnored: false });
    expect(readSecretsJson()).toEqual({
      upstream: { meatspace: 'hitl_x' },
      grants: { copied: { created: '2025-01-02T00:00:00.000Z' } },
    });
    expect(new GrantAuthenticator(dir).authenticate(LAPTOP_TOKEN)).toBeUndefined();
  });

  it('ignores a "grants" key pasted into config.json later: it neither creates nor revokes', () => {
    legacyFolder();
    migrateGrants(dir);
    expect(revokeGrant(dir, 'laptop')).toBe(true);
    const kept = createGrant(dir, 'kept');
    const secrets = fileText(secretsPath(dir));
    // An old backup of config.json, naming the revoked grant and not the new one.
    fs.writeFileSync(configPath(dir), LEGACY_CONFIG);

    expect(migrateGrants(dir)).toEqual({ moved: 0, configGrantsIgnored: true });
    expect(listGrants(dir).map((g) => g.name)).toEqual(['copied', 'kept']);
    expect(fileText(secretsPath(dir))).toBe(secrets);
    expect(fileText(configPath(dir))).toBe(LEGACY_CONFIG);
    const auth = new GrantAuthenticator(dir);
    expect(auth.authenticate(LAPTOP_TOKEN)).toBeUndefined();
    expect(auth.authenticate(kept.token)).toBe('kept');
  });

  it('refuses to move grants out of a config.json it cannot read, changing nothing', () => {
    fs.writeFileSync(secretsPath(dir), JSON.stringify({ grantTokens: { a: hashGrantToken('x') } }));
    const secrets = fileText(secretsPath(dir));
    // Broken inside "grants", and broken before it (where a parser may not see "grants" at all).
    for (const broken of ['{ "grants": { "a": ', '{ "settings": { , "grants": { "a": {} } }']) {
      fs.writeFileSync(configPath(dir), broken);
      expect(() => migrateGrants(dir)).toThrow(
        /cannot be moved to secrets\.json until it is fixed/,
      );
      expect(() => listGrants(dir)).toThrow(GrantError);
      expect(fileText(secretsPath(dir))).toBe(secrets);
      expect(fileText(configPath(dir))).toBe(broken);
    }
  });
});

describe('GrantAuthenticator', () => {
  it('maps a token to its grant and refuses anything else', () => {
    const a = createGrant(dir, 'a');
    const b = createGrant(dir, 'b');
    const auth = new GrantAuthenticator(dir);
    expect(auth.authenticate(a.token)).toBe('a');
    expect(auth.authenticate(b.token)).toBe('b');
    for (const bad of [
      '',
      'alk_',
      a.token + 'x',
      a.token.slice(0, -1),
      hashGrantToken(a.token),
      'x'.repeat(10_000),
    ]) {
      expect(auth.authenticate(bad)).toBeUndefined();
    }
  });

  it('does not care what config.json says: replacing or deleting it revokes no one', () => {
    const clock = new FakeClock();
    const { token } = createGrant(dir, 'a');
    const auth = new GrantAuthenticator(dir, { clock });
    fs.writeFileSync(configPath(dir), JSON.stringify({ mcpServers: {}, grants: {} }));
    clock.t += 250;
    expect(auth.authenticate(token)).toBe('a');
    fs.rmSync(configPath(dir));
    clock.t += 250;
    expect(auth.authenticate(token)).toBe('a');
  });

  it('accepts a grant created after it started, without a restart', () => {
    const clock = new FakeClock();
    const auth = new GrantAuthenticator(dir, { clock });
    expect(auth.authenticate('alk_nothing')).toBeUndefined();
    const { token } = createGrant(dir, 'late');
    clock.t += 250;
    expect(auth.authenticate(token)).toBe('late');
  });

  it('reports a grant revoked in the file (by another process), but not a renamed one', () => {
    const clock = new FakeClock();
    const gone = createGrant(dir, 'gone');
    const moved = createGrant(dir, 'moved');
    const revoked: string[][] = [];
    const auth = new GrantAuthenticator(dir, { clock, onRevoked: (names) => revoked.push(names) });
    renameGrant(dir, 'moved', 'moved-again');
    clock.t += 250;
    auth.check();
    expect(revoked).toEqual([]);
    expect(auth.authenticate(moved.token)).toBe('moved-again');

    revokeGrant(dir, 'gone');
    clock.t += 250;
    auth.check();
    expect(revoked).toEqual([['gone']]);
    expect(auth.authenticate(gone.token)).toBeUndefined();
  });

  it('stops accepting a grant revoked in this process at once, and reports it once', () => {
    const clock = new FakeClock();
    const { token } = createGrant(dir, 'a');
    const revoked: string[][] = [];
    const auth = new GrantAuthenticator(dir, { clock, onRevoked: (names) => revoked.push(names) });
    auth.revoked('a');
    expect(auth.authenticate(token)).toBeUndefined();
    revokeGrant(dir, 'a');
    clock.t += 250;
    auth.check();
    expect(revoked).toEqual([['a']]);
  });

  it('checks the file at most once per interval, however many bad tokens arrive', () => {
    const clock = new FakeClock();
    createGrant(dir, 'a');
    const auth = new GrantAuthenticator(dir, { clock });
    const late = createGrant(dir, 'late');
    const stat = vi.spyOn(fs, 'statSync');
    const read = vi.spyOn(fs, 'readFileSync');
    for (let i = 0; i < 1000; i++) {
      clock.t += 1; // 1000 ms of a flood
      expect(auth.authenticate(`alk_bad${i}`)).toBeUndefined();
    }
    // One reload for the change made above, then stats only: one file every 250 ms.
    expect(stat.mock.calls.length).toBeGreaterThanOrEqual(4);
    expect(stat.mock.calls.length).toBeLessThanOrEqual(5 + 1);
    expect(read.mock.calls.length).toBe(1);
    expect(auth.authenticate(late.token)).toBe('late');
  });

  it('keeps the last good grants while secrets.json is broken', () => {
    const clock = new FakeClock();
    const { token } = createGrant(dir, 'a');
    const warnings: string[] = [];
    const revoked: string[][] = [];
    const auth = new GrantAuthenticator(dir, {
      clock,
      logger: { info() {}, error() {}, warn: (m) => warnings.push(m) },
      onRevoked: (names) => revoked.push(names),
    });
    fs.writeFileSync(secretsPath(dir), '{ "grants": ');
    clock.t += 250;
    expect(auth.authenticate(token)).toBe('a');
    expect(warnings).toHaveLength(1);
    // Not re-read, and not re-warned, until the file changes again.
    clock.t += 250;
    auth.authenticate(token);
    expect(warnings).toHaveLength(1);
    expect(revoked).toEqual([]);
  });
});
