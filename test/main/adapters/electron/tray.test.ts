import type { MenuItemConstructorOptions, NativeImage } from 'electron';
import { describe, expect, it } from 'vitest';
import type { AppCommands } from '../../../../src/main/adapters/electron/app-commands';
import { startTray } from '../../../../src/main/adapters/electron/tray';
import { EventBus } from '../../../../src/main/core/api/event-bus';
import type { CommandInput, CommandName } from '../../../../src/shared/contract';
import { FakeTray } from '../../../helpers/electron-fakes';
import { heldApproval } from '../../../helpers/held-approval';
import { recordingLogger } from '../../../helpers/recording-logger';

async function setup(options: { held?: ReturnType<typeof heldApproval>[]; paused?: boolean } = {}) {
  const bus = new EventBus();
  const tray = new FakeTray();
  const sent: { command: CommandName; input: unknown }[] = [];
  let loginEnabled = false;
  const opened: string[] = [];
  const commands = (async (command: CommandName, input: CommandInput<CommandName>) => {
    sent.push({ command, input });
    if (command === 'approvals.list') return { approvals: options.held ?? [] };
    if (command === 'pause.get') return { pause: { paused: options.paused ?? false } };
    return {};
  }) as AppCommands;
  const controller = await startTray({
    createTray: (image) => {
      tray.setImage(image);
      return tray as never;
    },
    buildMenu: (template) => template as never,
    icon: (state) => ({ state }) as unknown as NativeImage,
    commands,
    subscribe: (listener) => bus.subscribe(listener),
    loginItem: { enabled: () => loginEnabled, set: (value) => (loginEnabled = value) },
    openPending: () => opened.push('pending'),
    openWindow: () => opened.push('window'),
    quit: () => opened.push('quit'),
    logger: recordingLogger(),
  });
  const click = (item: MenuItemConstructorOptions) =>
    (item.click as unknown as (item: MenuItemConstructorOptions) => void)(item);
  return { bus, tray, sent, opened, controller, click, login: () => loginEnabled };
}

const A = heldApproval('a1');
const B = heldApproval('b2', { tool: 'ask_human', grant: 'bob' });

describe('the tray', () => {
  it('starts from the calls already held: their count, the waiting look, and one entry each', async () => {
    const { tray, controller } = await setup({ held: [A, B] });
    expect(controller.state).toBe('waiting');
    expect(tray.image).toBe('waiting');
    expect(tray.tooltip).toBe('Airlock: 2 calls wait for your approval');
    expect(tray.labels().slice(0, 3)).toEqual([
      '2 calls wait',
      'provision_api_key from alice on meatspace',
      'ask_human from bob on meatspace',
    ]);
  });

  it('answers a call from its entry: Allow once and Deny', async () => {
    const { tray, sent, click } = await setup({ held: [A, B] });
    const [allow, deny] = tray.item(/^provision_api_key/).submenu as MenuItemConstructorOptions[];
    click(allow!);
    click(deny!);
    expect(sent.filter((s) => s.command === 'approvals.decide').map((s) => s.input)).toEqual([
      { id: 'a1', decision: 'allow' },
      { id: 'a1', decision: 'deny' },
    ]);
  });

  it('follows calls held and answered anywhere', async () => {
    const { bus, tray, controller } = await setup();
    expect(controller.state).toBe('guarding');
    expect(tray.tooltip).toBe('Airlock is guarding');
    bus.emit('approval.added', { approval: A });
    expect(tray.image).toBe('waiting');
    expect(tray.tooltip).toBe('Airlock: 1 call waits for your approval');
    bus.emit('approval.resolved', { approval: A, outcome: { outcome: 'allowed', by: 'person' } });
    expect(tray.image).toBe('guarding');
    expect(tray.labels()[0]).toBe('Pause Airlock');
  });

  it('pauses and resumes Airlock, and looks paused while it is', async () => {
    const { bus, tray, sent, click } = await setup();
    click(tray.item('Pause Airlock'));
    expect(sent.at(-1)).toEqual({ command: 'pause.set', input: { paused: true } });
    bus.emit('pause.changed', { pause: { paused: true, since: 0 } });
    expect(tray.image).toBe('paused');
    expect(tray.tooltip).toBe('Airlock is paused: every call is refused');
    click(tray.item('Resume Airlock'));
    expect(sent.at(-1)).toEqual({ command: 'pause.set', input: { paused: false } });
  });

  it('lists ten calls and sends the person to Pending for the rest', async () => {
    const held = Array.from({ length: 13 }, (_, i) => heldApproval(`h${i}`));
    const { tray, opened, click } = await setup({ held });
    expect(tray.labels().filter((label) => label.startsWith('provision_api_key'))).toHaveLength(10);
    click(tray.item('3 more on Pending…'));
    expect(opened).toEqual(['pending']);
  });

  it('shows names from agents and servers as text: no reordering, no accelerators, no floods', async () => {
    const hostile = heldApproval('x', { tool: 'gnp\u202e.exe && rm', grant: 'a'.repeat(500) });
    const { tray } = await setup({ held: [hostile] });
    const label = tray.labels()[1]!;
    expect(label).toContain('gnp\\u202e.exe &&&& rm');
    expect(label).not.toContain('\u202e');
    expect(label.length).toBeLessThan(200);
  });

  it('opens Pending on a click, the window from its menu, and quits', async () => {
    const { tray, opened, click } = await setup();
    tray.clicked!();
    click(tray.item('Open Airlock'));
    click(tray.item('Quit Airlock'));
    expect(opened).toEqual(['pending', 'window', 'quit']);
  });

  it('sets start at login from its checkbox', async () => {
    const { tray, click, login } = await setup();
    const item = tray.item('Start at login');
    expect(item).toMatchObject({ type: 'checkbox', checked: false });
    click({ ...item, checked: true });
    await expect.poll(login).toBe(true);
    expect(tray.item('Start at login').checked).toBe(true);
  });

  it('lets go of the icon when stopped', async () => {
    const { tray, controller } = await setup();
    controller.stop();
    expect(tray.destroyed).toBe(true);
  });
});
