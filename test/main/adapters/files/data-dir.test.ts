// Where the data directory is on each platform, and what ensureDataDir creates.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ensureDataDir,
  policiesDir,
  policyPath,
  resolveDataDir,
  type DataDirOptions,
} from '../../../../src/main/adapters/files/data-dir';

const cases: [string, DataDirOptions, string][] = [
  [
    'the flag wins',
    { flag: '/srv/a', env: { AIRLOCK_DATA_DIR: '/srv/b' }, platform: 'linux' },
    '/srv/a',
  ],
  [
    'then AIRLOCK_DATA_DIR',
    { env: { AIRLOCK_DATA_DIR: '/srv/b' }, platform: 'darwin', home: '/Users/u' },
    '/srv/b',
  ],
  [
    'an empty variable counts as unset',
    { env: { AIRLOCK_DATA_DIR: '' }, platform: 'linux', home: '/home/u' },
    '/home/u/.config/airlock',
  ],
  [
    'Linux with XDG_CONFIG_HOME',
    { env: { XDG_CONFIG_HOME: '/x/cfg' }, platform: 'linux', home: '/home/u' },
    '/x/cfg/airlock',
  ],
  ['Linux without it', { env: {}, platform: 'linux', home: '/home/u' }, '/home/u/.config/airlock'],
  [
    'Linux ignores a relative XDG_CONFIG_HOME',
    { env: { XDG_CONFIG_HOME: 'cfg' }, platform: 'linux', home: '/home/u' },
    '/home/u/.config/airlock',
  ],
  [
    'FreeBSD follows XDG too',
    { env: {}, platform: 'freebsd', home: '/home/u' },
    '/home/u/.config/airlock',
  ],
  [
    'macOS',
    { env: { XDG_CONFIG_HOME: '/x' }, platform: 'darwin', home: '/Users/u' },
    '/Users/u/Library/Application Support/Airlock',
  ],
  [
    'Windows with APPDATA',
    { env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, platform: 'win32', home: 'C:\\Users\\u' },
    'C:\\Users\\u\\AppData\\Roaming\\Airlock',
  ],
  [
    'Windows without APPDATA',
    { env: {}, platform: 'win32', home: 'C:\\Users\\u' },
    'C:\\Users\\u\\AppData\\Roaming\\Airlock',
  ],
  ['Windows flag', { flag: 'D:\\airlock', env: {}, platform: 'win32' }, 'D:\\airlock'],
];

describe('resolveDataDir', () => {
  it.each(cases)('%s', (_label, opts, expected) => {
    expect(resolveDataDir(opts)).toBe(expected);
  });

  it.skipIf(process.platform === 'win32')('makes a relative flag absolute', () => {
    expect(resolveDataDir({ flag: 'data', env: {}, platform: 'linux' })).toBe(path.resolve('data'));
  });
});

describe('policyPath', () => {
  it('names policies/<server-id>.json and refuses ids that leave the folder', () => {
    expect(policyPath('/d', 'meatspace')).toBe(path.join('/d', 'policies', 'meatspace.json'));
    for (const bad of ['', '..', '../x', 'a/b', 'a\\b', '.hidden']) {
      expect(() => policyPath('/d', bad)).toThrow();
    }
  });
});

describe('ensureDataDir', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('creates the folder and policies/, private to the user, and is idempotent', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-dd-'));
    const dir = path.join(root, 'nested', 'airlock');
    ensureDataDir(dir);
    ensureDataDir(dir);
    expect(fs.statSync(policiesDir(dir)).isDirectory()).toBe(true);
    if (process.platform !== 'win32') {
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
      expect(fs.statSync(policiesDir(dir)).mode & 0o777).toBe(0o700);
    }
  });
});
