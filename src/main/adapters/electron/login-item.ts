// "Start at login": the operating system's login-item setting on macOS and Windows, and an
// XDG autostart entry (~/.config/autostart/airlock.desktop) on Linux, where Electron has none.
// Started at login, the app opens hidden (--hidden): it guards from the tray without a window.
import fs from 'node:fs';
import { join } from 'node:path';
import type { App } from 'electron';

export const HIDDEN_FLAG = '--hidden';

export interface LoginItem {
  enabled(): boolean;
  set(enabled: boolean): void;
}

export interface LoginItemDeps {
  app: Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>;
  platform: NodeJS.Platform;
  /** The program a login starts: the AppImage when run from one, else Electron's executable. */
  execPath: string;
  /** $XDG_CONFIG_HOME/autostart, else ~/.config/autostart (Linux only). */
  autostartDir: string;
}

export function loginItem(deps: LoginItemDeps): LoginItem {
  if (deps.platform !== 'linux') {
    return {
      enabled: () => deps.app.getLoginItemSettings().openAtLogin,
      set: (enabled) =>
        deps.app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] }),
    };
  }
  const file = join(deps.autostartDir, 'airlock.desktop');
  return {
    enabled: () => fs.existsSync(file),
    set: (enabled) => {
      if (!enabled) return fs.rmSync(file, { force: true });
      fs.mkdirSync(deps.autostartDir, { recursive: true });
      fs.writeFileSync(file, autostartEntry(deps.execPath));
    },
  };
}

/** The XDG autostart entry; Exec's arguments quoted as the Desktop Entry spec asks. */
export function autostartEntry(execPath: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Airlock',
    'Comment=Guards AI agents’ tool calls',
    `Exec=${quoteExecArgument(execPath)} ${HIDDEN_FLAG}`,
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

function quoteExecArgument(arg: string): string {
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
}

/** Where Linux looks for autostart entries. */
export function xdgAutostartDir(env: NodeJS.ProcessEnv, home: string): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'autostart');
}
