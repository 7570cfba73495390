// The policy files as the app API sees them, in a real data folder: absent reads as undefined,
// a write replaces the file, a removal of a missing file is no error, and an id that is not a
// server name never becomes a path.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyFilesIn } from '../../../../src/main/adapters/files/policy-files';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-policy-files-'));
  mkdirSync(join(dir, 'policies'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('policyFilesIn', () => {
  it('reads, replaces and removes policies/<server>.json', () => {
    const files = policyFilesIn(dir);
    expect(files.path('notes')).toBe(join(dir, 'policies', 'notes.json'));
    expect(files.read('notes')).toBeUndefined();
    files.write('notes', '{"version": "1"}\n');
    files.write('notes', '{"version": "1", "default": "deny"}\n');
    expect(readFileSync(files.path('notes'), 'utf8')).toBe('{"version": "1", "default": "deny"}\n');
    expect(files.read('notes')).toBe('{"version": "1", "default": "deny"}\n');
    files.remove('notes');
    files.remove('notes');
    expect(files.read('notes')).toBeUndefined();
  });

  it('refuses a server id that would leave the policies folder', () => {
    const files = policyFilesIn(dir);
    expect(() => files.read('../secrets')).toThrow(/not a valid server id/);
    expect(() => files.write('../secrets', '{}')).toThrow(/not a valid server id/);
  });

  it('says why a policy that exists cannot be read, rather than calling it absent', () => {
    const files = policyFilesIn(dir);
    mkdirSync(files.path('folder'));
    expect(() => files.read('folder')).toThrow(/EISDIR/);
  });
});
