// The tray of the built desktop app under the emulated electron: it shows the state (guarding,
// a call waiting, paused) in its icon and tooltip, lists a held call with Allow once and Deny (an
// SDK agent gets its key when the person allows it there), keeps guarding with the window
// closed, pauses and resumes Airlock, and sets start at login.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, textOf } from '../helpers/airlock-harness';
import { HELD_KEY_POLICY, provisionKey } from '../e2e/helpers/serve';
import {
  expectUi,
  MEATSPACE_SERVER_ID,
  startAirlockDesktop,
  type AirlockDesktop,
} from './airlock-desktop';
import type { HarnessState, TrayState } from './harness/desktop-app';

const AGENT = 'tray-agent';

let airlock: AirlockDesktop;
let agent: Client;

beforeAll(async () => {
  airlock = await startAirlockDesktop({
    policies: { [MEATSPACE_SERVER_ID]: HELD_KEY_POLICY },
    grants: [AGENT],
  });
  agent = await airlock.connectAgent(AGENT);
});

afterAll(async () => {
  await agent?.close().catch(() => {});
  await airlock?.close();
});

function trayOf(state: HarnessState): TrayState | undefined {
  return state.trays.find((tray) => !tray.destroyed);
}

function labels(tray: TrayState): string[] {
  return (tray.menu?.items ?? []).map((item) => item.label);
}

/** The tray once `ready` holds of it. */
function trayWhen(what: string, ready: (tray: TrayState) => boolean): Promise<TrayState> {
  return airlock.desktop.waitFor(what, (state) => {
    const tray = trayOf(state);
    return tray && ready(tray) ? tray : undefined;
  });
}

describe('the tray', () => {
  it('is there from the start, guarding, with its menu', async () => {
    const tray = await trayWhen('the tray guarding', (t) => t.toolTip === 'Airlock is guarding');
    expect(tray.image.path).toMatch(/resources[\\/]tray[\\/]guarding\.png$/);
    expect(tray.image.exists).toBe(true);
    expect(labels(tray)).toEqual([
      'Pause Airlock',
      'Open Airlock',
      'Start at login',
      '',
      'Quit Airlock',
    ]);
  });

  it('lists a held call, and Allow once there gives the agent its key', async () => {
    const call = provisionKey(agent, 'tray key', 'tray@example.com');
    const tray = await trayWhen('a call in the tray', (t) => t.toolTip.includes('1 call waits'));
    expect(tray.image.path).toMatch(/waiting\.png$/);
    const entry = `provision_api_key from ${AGENT} on ${MEATSPACE_SERVER_ID}`;
    expect(labels(tray)).toContain(entry);
    // The window shows it too; its picture is the README's.
    const page = await airlock.desktop.page();
    await expectUi(
      page.getByRole('listitem', { name: `provision_api_key from ${AGENT}` }),
    ).toBeVisible();
    await airlock.desktop.screenshot(join(REPO_ROOT, 'docs/screenshots/desktop-pending.png'));
    await airlock.desktop.clickMenuItem({ tray: tray.id }, entry, 'Allow once');
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/"api_key":\s*"hitl_/);
    // Answered, the call leaves the tray and the desktop.
    await trayWhen('the call gone from the tray', (t) => t.toolTip === 'Airlock is guarding');
    await airlock.desktop.waitFor(
      'no notification left',
      (state) => state.notifications.every((notification) => !notification.shown) || undefined,
    );
  });

  it('keeps guarding with the window closed, and Pause refuses every call until Resume', async () => {
    const { desktop } = airlock;
    const window = await desktop.waitFor('the window shown', (state) =>
      state.windows.find((candidate) => candidate.visible && !candidate.destroyed),
    );
    await desktop.closeWindow(window.id);
    await desktop.waitFor(
      'the window closed',
      (state) => state.windows.every((candidate) => candidate.destroyed) || undefined,
    );
    const status = () => agent.callTool({ name: 'get_service_status', arguments: {} });
    expect((await status()).isError).toBeFalsy();

    await desktop.clickMenuItem({ tray: trayOf(await desktop.state())!.id }, 'Pause Airlock');
    const paused = await trayWhen('the tray paused', (t) =>
      t.toolTip.startsWith('Airlock is paused'),
    );
    expect(paused.image.path).toMatch(/paused\.png$/);
    const refused = await status();
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('Airlock is paused');

    await desktop.clickMenuItem({ tray: paused.id }, 'Resume Airlock');
    await trayWhen('the tray guarding again', (t) => t.toolTip === 'Airlock is guarding');
    expect((await status()).isError).toBeFalsy();
    expect((await desktop.state()).appEvents).not.toContain('before-quit');
  });

  it('opens the window again from its menu, on Pending', async () => {
    const { desktop } = airlock;
    await desktop.clickMenuItem({ tray: trayOf(await desktop.state())!.id }, 'Open Airlock');
    const shown = await desktop.waitFor('a window shown', (state) =>
      state.windows.find((window) => !window.destroyed && window.visible),
    );
    expect(shown.url).toBe('app://airlock/index.html#/pending');
  });

  it('sets start at login as an autostart entry on Linux', async () => {
    const { desktop } = airlock;
    const entry = join(desktop.home, '.config', 'autostart', 'airlock.desktop');
    const tray = trayOf(await desktop.state())!;
    await desktop.clickMenuItem({ tray: tray.id }, 'Start at login');
    await trayWhen('the box ticked', (t) =>
      Boolean(t.menu?.items.find((item) => item.label === 'Start at login')?.checked),
    );
    expect(readFileSync(entry, 'utf8')).toMatch(/^Exec=".*" --hidden$/m);
    await desktop.clickMenuItem({ tray: tray.id }, 'Start at login');
    await trayWhen(
      'the box cleared',
      (t) => t.menu?.items.find((item) => item.label === 'Start at login')?.checked === false,
    );
    expect(existsSync(entry)).toBe(false);
    expect((await desktop.state()).problems).toEqual([]);
  });
});
