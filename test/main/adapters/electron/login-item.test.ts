import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  autostartEntry,
  loginItem,
  xdgAutostartDir,
} from '../../../../src/main/adapters/electron/login-item';
import { fakeApp } from '../../../helpers/electron-fakes';

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe('start at login', () => {
  it.each(['darwin', 'win32'] as const)(
    'uses the login-item setting on %s, opening hidden',
    (platform) => {
      const { app, set } = fakeApp();
      const item = loginItem({ app, platform, execPath: '/x', autostartDir: '/nowhere' });
      expect(item.enabled()).toBe(false);
      item.set(true);
      expect(item.enabled()).toBe(true);
      expect(set).toEqual([{ openAtLogin: true, args: ['--hidden'] }]);
    },
  );

  it('writes and removes an XDG autostart entry on Linux', () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-autostart-'));
    const autostartDir = join(dir, 'autostart');
    const { app, set } = fakeApp();
    const item = loginItem({
      app,
      platform: 'linux',
      execPath: '/opt/Airlock $1/airlock',
      autostartDir,
    });
    expect(item.enabled()).toBe(false);
    item.set(true);
    expect(item.enabled()).toBe(true);
    const entry = readFileSync(join(autostartDir, 'airlock.desktop'), 'utf8');
    expect(entry).toContain('Exec="/opt/Airlock \\$1/airlock" --hidden');
    item.set(false);
    expect(existsSync(join(autostartDir, 'airlock.desktop'))).toBe(false);
    expect(set).toEqual([]);
  });

  it('quotes what a desktop entry would otherwise expand', () => {
    expect(autostartEntry('/a"b`c\\d')).toContain('Exec="/a\\"b\\`c\\\\d" --hidden');
  });

  it('follows XDG_CONFIG_HOME', () => {
    expect(xdgAutostartDir({ XDG_CONFIG_HOME: '/cfg' }, '/home/u')).toBe(join('/cfg', 'autostart'));
    expect(xdgAutostartDir({}, '/home/u')).toBe(join('/home/u', '.config', 'autostart'));
  });
});
