import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientFilesOnDisk } from '../../../../src/main/adapters/clients/client-files';
import { clientLocations } from '../../../../src/main/adapters/clients/client-locations';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'airlock-client-files-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const files = () => clientFilesOnDisk(clientLocations({ home, platform: 'linux', env: {} }));

describe('client files on disk', () => {
  it('reads bytes exactly, and a missing file as missing', () => {
    const file = join(home, 'mcp.json');
    const bytes = Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0xff, 0x7d]);
    writeFileSync(file, bytes);
    expect(files().read(file)).toMatchObject({ ok: true, bytes: expect.anything() });
    const read = files().read(file);
    expect(read.ok && !('missing' in read) && Buffer.from(read.bytes).equals(bytes)).toBe(true);
    expect(files().read(join(home, 'nothing.json'))).toEqual({ ok: true, missing: true });
    expect(files().read(home)).toEqual({ ok: false, reason: 'it is not a file' });
  });

  it('backs up beside the file, readable by the user alone, never over an older backup', () => {
    const file = join(home, 'mcp.json');
    writeFileSync(file, 'now');
    writeFileSync(file + '.airlock-backup', 'an older backup');
    expect(files().backupName(file)).toBe(file + '.airlock-backup-2');
    const backup = files().backup(file, Buffer.from('original'));
    expect(backup).toBe(file + '.airlock-backup-2');
    expect(readFileSync(backup, 'utf8')).toBe('original');
    expect(readFileSync(file + '.airlock-backup', 'utf8')).toBe('an older backup');
    if (process.platform !== 'win32') expect(statSync(backup).mode & 0o777).toBe(0o600);
    files().removeBackup(backup);
    expect(files().readBackup(backup)).toBeUndefined();
  });

  it('rewrites a file keeping its permissions', () => {
    const file = join(home, 'mcp.json');
    writeFileSync(file, 'before');
    chmodSync(file, 0o640);
    files().write(file, Buffer.from('after'));
    expect(readFileSync(file, 'utf8')).toBe('after');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o640);
  });
});
