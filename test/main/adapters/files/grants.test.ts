// Grants against a real data directory: creation, hashing at rest, authentication, live pickup
// of new and revoked grants, and the cost of bad tokens.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { updateConfigJson } from '../../../../src/main/adapters/files/config-file';
import { configPath, secretsPath } from '../../../../src/main/adapters/files/data-dir';
import {
  createGrant,
  GrantAuthenticator,
  GrantError,
  hashGrantToken,
  listGrants,
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

describe('renameGrant', () => {
  it('moves the token hash and the creation time to the new name; the token keeps working', () => {
    const { token } = createGrant(dir, 'laptop', new FakeClock());
    createGrant(dir, 'desk');
    renameGrant(dir, 'laptop', 'old-laptop');
    const config = JSON.parse(fs.readFileSync(configPath(dir), 'utf8'));
    expect(Object.keys(config.grants)).toEqual(['desk', 'old-laptop']);
    expect(config.grants['old-laptop']).toEqual({ created: '2025-03-04T05:06:07.000Z' });
    expect(JSON.parse(fs.readFileSync(secretsPath(dir), 'utf8')).grantTokens['old-laptop']).toBe(
      hashGrantToken(token),
    );
    expect(new GrantAuthenticator(dir).authenticate(token)).toBe('old-laptop');
  });

  it('refuses an unknown grant, a taken name and an invalid one, changing nothing', () => {
    createGrant(dir, 'laptop');
    createGrant(dir, 'desk');
    const before = [
      fs.readFileSync(configPath(dir), 'utf8'),
      fs.readFileSync(secretsPath(dir), 'utf8'),
    ];
    expect(() => renameGrant(dir, 'nobody', 'x')).toThrow(/no grant is named "nobody"/);
    expect(() => renameGrant(dir, 'laptop', 'desk')).toThrow(/already exists/);
    expect(() => renameGrant(dir, 'laptop', 'two words')).toThrow(/not a valid grant name/);
    expect([
      fs.readFileSync(configPath(dir), 'utf8'),
      fs.readFileSync(secretsPath(dir), 'utf8'),
    ]).toEqual(before);
  });
});

describe('createGrant', () => {
  it('returns an alk_ token and stores only its hash, in a private secrets.json', () => {
    const clock = new FakeClock();
    const { name, token } = createGrant(dir, 'claude-desktop', clock);
    expect(name).toBe('claude-desktop');
    expect(token).toMatch(/^alk_[A-Za-z0-9_-]{43}$/);

    const secrets = JSON.parse(fs.readFileSync(secretsPath(dir), 'utf8'));
    expect(secrets).toEqual({ grantTokens: { 'claude-desktop': hashGrantToken(token) } });
    expect(hashGrantToken(token)).toMatch(/^sha256:[0-9a-f]{64}$/);
    if (process.platform !== 'win32') {
      expect(fs.statSync(secretsPath(dir)).mode & 0o777).toBe(0o600);
    }
    expect(JSON.parse(fs.readFileSync(configPath(dir), 'utf8'))).toEqual({
      grants: { 'claude-desktop': { created: '2025-03-04T05:06:07.000Z' } },
    });
    for (const file of fs.readdirSync(dir)) {
      expect(fs.readFileSync(path.join(dir, file), 'utf8')).not.toContain(token);
      expect(fs.readFileSync(path.join(dir, file), 'utf8')).not.toContain(token.slice(4));
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
    expect(JSON.parse(fs.readFileSync(secretsPath(dir), 'utf8')).upstream).toEqual({
      meatspace: 'hitl_x',
    });
    fs.writeFileSync(secretsPath(dir), '{broken');
    expect(() => createGrant(dir, 'b')).toThrow(/not valid JSON/);
    expect(fs.readFileSync(secretsPath(dir), 'utf8')).toBe('{broken');
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
  it('lists config.json grants and whether each has a token', () => {
    createGrant(dir, 'a', new FakeClock(0));
    updateConfigJson(dir, ['grants', 'copied'], { created: '2025-01-01T00:00:00.000Z' });
    expect(listGrants(dir)).toEqual({
      ok: true,
      value: [
        { name: 'a', created: '1970-01-01T00:00:00.000Z', hasToken: true },
        { name: 'copied', created: '2025-01-01T00:00:00.000Z', hasToken: false },
      ],
    });
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

  it('needs the grant in both files: removing it from config.json revokes it', () => {
    const clock = new FakeClock();
    const { token } = createGrant(dir, 'a');
    const auth = new GrantAuthenticator(dir, { clock });
    expect(auth.authenticate(token)).toBe('a');
    updateConfigJson(dir, ['grants', 'a'], undefined);
    clock.t += 250;
    expect(auth.authenticate(token)).toBeUndefined();
  });

  it('ignores a hash in secrets.json without a grant in config.json', () => {
    const { token } = createGrant(dir, 'a');
    fs.rmSync(configPath(dir));
    expect(new GrantAuthenticator(dir).authenticate(token)).toBeUndefined();
  });

  it('accepts a grant created after it started, without a restart', async () => {
    const auth = new GrantAuthenticator(dir);
    expect(auth.authenticate('alk_nothing')).toBeUndefined();
    const { token } = createGrant(dir, 'late');
    await new Promise((r) => setTimeout(r, 300));
    expect(auth.authenticate(token)).toBe('late');
  });

  it('checks the files at most once per interval, however many bad tokens arrive', () => {
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
    // One reload for the change made above, then stats only: two files every 250 ms.
    expect(stat.mock.calls.length).toBeGreaterThanOrEqual(2 * 4);
    expect(stat.mock.calls.length).toBeLessThanOrEqual(2 * 5 + 2);
    expect(read.mock.calls.length).toBe(2);
    expect(auth.authenticate(late.token)).toBe('late');
  });

  it('keeps the last good grants while config.json is broken', () => {
    const clock = new FakeClock();
    const { token } = createGrant(dir, 'a');
    const warnings: string[] = [];
    const auth = new GrantAuthenticator(dir, {
      clock,
      logger: { info() {}, error() {}, warn: (m) => warnings.push(m) },
    });
    fs.writeFileSync(configPath(dir), '{ "grants": ');
    clock.t += 250;
    expect(auth.authenticate(token)).toBe('a');
    expect(warnings).toHaveLength(1);
    // Not re-read, and not re-warned, until the file changes again.
    clock.t += 250;
    auth.authenticate(token);
    expect(warnings).toHaveLength(1);
  });
});
