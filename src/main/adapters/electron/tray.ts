// The tray icon, Airlock's face when no window is open. Its look says the state (guarding, calls
// waiting, paused), its tooltip how many calls wait, and its menu answers them (Allow once, Deny),
// pauses and resumes Airlock, opens the window, sets start at login and quits. A click on the
// icon opens Pending. It shows the core's state: every change arrives as an app event.
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { Approval, AppEvent } from '../../../shared/contract';
import { errorMessage } from '../../../shared/error-message';
import type { Logger } from '../../core/ports';
import type { AppCommands } from './app-commands';
import type { LoginItem } from './login-item';
import { menuLabel } from './native-text';

export type TrayState = 'guarding' | 'waiting' | 'paused';

/** The calls listed in the menu; the rest are counted, with a way to Pending. */
const MENU_CALLS = 10;

export interface TrayDeps {
  createTray(
    image: NativeImage,
  ): Pick<Tray, 'setImage' | 'setToolTip' | 'setContextMenu' | 'on' | 'destroy'>;
  buildMenu(template: MenuItemConstructorOptions[]): Menu;
  /** The icon for a state (template images on macOS). */
  icon(state: TrayState): NativeImage;
  commands: AppCommands;
  subscribe(listener: (event: AppEvent) => void): () => void;
  loginItem: LoginItem;
  openPending(): void;
  openWindow(): void;
  quit(): void;
  logger: Logger;
}

export interface TrayController {
  readonly state: TrayState;
  readonly tooltip: string;
  stop(): void;
}

export async function startTray(deps: TrayDeps): Promise<TrayController> {
  let waiting: Approval[] = [];
  let paused = false;
  let stopped = false;
  /** Answered while the first list was on its way, which may still hold them. */
  let answeredWhileLoading: Set<string> | undefined = new Set();
  let pauseHeard = false;
  const tray = deps.createTray(deps.icon('guarding'));
  tray.on('click', () => deps.openPending());

  const state = (): TrayState => (paused ? 'paused' : waiting.length > 0 ? 'waiting' : 'guarding');
  const tooltip = (): string => {
    const calls = waiting.length === 1 ? '1 call waits' : `${waiting.length} calls wait`;
    if (paused) {
      return `Airlock is paused: every call is refused${waiting.length > 0 ? `; ${calls} for you` : ''}`;
    }
    return waiting.length > 0 ? `Airlock: ${calls} for your approval` : 'Airlock is guarding';
  };

  /** Runs a menu command; a failure (the call was answered elsewhere meanwhile) is logged. */
  const run = (what: string, work: () => Promise<unknown>) => {
    work().catch((error: unknown) =>
      deps.logger.warn(`tray: could not ${what}`, { error: errorMessage(error) }),
    );
  };
  const decide = (approval: Approval, decision: 'allow' | 'deny') =>
    run(`${decision} a held call`, () =>
      deps.commands('approvals.decide', { id: approval.id, decision }),
    );

  const callItems = (): MenuItemConstructorOptions[] => {
    if (waiting.length === 0) return [];
    const shown = waiting.slice(0, MENU_CALLS);
    const more = waiting.length - shown.length;
    return [
      {
        label: waiting.length === 1 ? '1 call waits' : `${waiting.length} calls wait`,
        enabled: false,
      },
      ...shown.map((approval): MenuItemConstructorOptions => ({
        label: `${menuLabel(approval.tool, 40)} from ${menuLabel(approval.grant, 30)} on ${menuLabel(approval.server, 30)}`,
        submenu: [
          { label: 'Allow once', click: () => decide(approval, 'allow') },
          { label: 'Deny', click: () => decide(approval, 'deny') },
          { type: 'separator' },
          { label: 'Show on Pending', click: () => deps.openPending() },
        ],
      })),
      ...(more > 0 ? [{ label: `${more} more on Pending…`, click: () => deps.openPending() }] : []),
      { type: 'separator' },
    ];
  };

  const render = () => {
    if (stopped) return;
    tray.setImage(deps.icon(state()));
    tray.setToolTip(tooltip());
    tray.setContextMenu(
      deps.buildMenu([
        ...callItems(),
        paused
          ? {
              label: 'Resume Airlock',
              click: () => run('resume', () => deps.commands('pause.set', { paused: false })),
            }
          : {
              label: 'Pause Airlock',
              toolTip: 'Refuse every call until you resume',
              click: () => run('pause', () => deps.commands('pause.set', { paused: true })),
            },
        { label: 'Open Airlock', click: () => deps.openWindow() },
        {
          label: 'Start at login',
          type: 'checkbox',
          checked: loginEnabled(),
          click: (item) =>
            run('change start at login', async () => {
              deps.loginItem.set(item.checked);
              render();
            }),
        },
        { type: 'separator' },
        { label: 'Quit Airlock', click: () => deps.quit() },
      ]),
    );
  };

  const loginEnabled = () => {
    try {
      return deps.loginItem.enabled();
    } catch (error) {
      deps.logger.warn('tray: could not read start at login', { error: errorMessage(error) });
      return false;
    }
  };

  const unsubscribe = deps.subscribe((event) => {
    if (event.name === 'approval.added') {
      waiting = [event.data.approval, ...waiting.filter((a) => a.id !== event.data.approval.id)];
    } else if (event.name === 'approval.resolved') {
      answeredWhileLoading?.add(event.data.approval.id);
      waiting = waiting.filter((a) => a.id !== event.data.approval.id);
    } else if (event.name === 'pause.changed') {
      pauseHeard = true;
      paused = event.data.pause.paused;
    } else return;
    render();
  });
  render();
  try {
    const [{ approvals }, { pause }] = await Promise.all([
      deps.commands('approvals.list', {}),
      deps.commands('pause.get', {}),
    ]);
    // Events that came while these were on their way are newer; keep what they said.
    const known = new Set([...waiting.map((a) => a.id), ...(answeredWhileLoading ?? [])]);
    waiting = [...waiting, ...approvals.filter((a) => !known.has(a.id))];
    if (!pauseHeard) paused = pause.paused;
  } catch (error) {
    deps.logger.error('tray: could not read the held calls', { error: errorMessage(error) });
  }
  answeredWhileLoading = undefined;
  render();

  return {
    get state() {
      return state();
    },
    get tooltip() {
      return tooltip();
    },
    stop() {
      stopped = true;
      unsubscribe();
      tray.destroy();
    },
  };
}
