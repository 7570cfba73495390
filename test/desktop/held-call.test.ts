// A call held for a person, in the built desktop app under the emulated electron: an SDK agent's
// call raises one native notification that names the tool, the client and the server but none of
// the arguments; clicking it brings the window back (here after the person closed it) on Pending,
// where allowing it gives the agent its key and withdraws the notification; and the app quits
// when told to, ending its process.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/airlock-harness';
import { HELD_KEY_POLICY, provisionKey } from '../e2e/helpers/serve';
import {
  expectUi,
  MEATSPACE_SERVER_ID,
  startAirlockDesktop,
  type AirlockDesktop,
} from './airlock-desktop';

const AGENT = 'desktop-agent';
const ARGUMENTS = { name: 'Quarterly Secret Name', email: 'hush-hush@example.com' };

let airlock: AirlockDesktop;
let agent: Client;

beforeAll(async () => {
  airlock = await startAirlockDesktop({
    policies: { [MEATSPACE_SERVER_ID]: HELD_KEY_POLICY },
    grants: [AGENT],
  });
  agent = await airlock.connectAgent(AGENT);
  // The window is up (shown once drawn) before the call is held, as when the person is at work.
  // (Closed while it still loads, its loadFile would reject, as Electron's does.)
  await airlock.desktop.waitFor('the window shown', (state) =>
    state.windows.find((window) => window.visible),
  );
});

afterAll(async () => {
  await agent?.close().catch(() => {});
  await airlock?.close();
});

describe('a held call in the desktop app', () => {
  let call: ReturnType<typeof provisionKey>;

  it('raises one notification naming the tool, the client and the server, without the arguments', async () => {
    call = provisionKey(agent, ARGUMENTS.name, ARGUMENTS.email);
    const shown = await airlock.desktop.waitFor('a notification on screen', (state) =>
      state.notifications.find((notification) => notification.shown),
    );
    expect(shown.title).toContain('provision_api_key');
    expect(shown.body).toContain(AGENT);
    expect(shown.body).toContain(MEATSPACE_SERVER_ID);
    expect(shown.listeners).toContain('click');
    const { notifications } = await airlock.desktop.state();
    expect(notifications).toHaveLength(1);
    // Notifications reach the lock screen: the arguments stay off it.
    const everything = JSON.stringify(notifications);
    expect(everything).not.toContain(ARGUMENTS.email);
    expect(everything).not.toContain(ARGUMENTS.name);
  });

  it('brings the window back when clicked, after the person closed it, on Pending with the call', async () => {
    const { desktop } = airlock;
    const first = await desktop.window();
    await desktop.closeWindow(first.id);
    await desktop.waitFor('the window to close', (state) =>
      state.windows.find((window) => window.id === first.id && window.destroyed),
    );
    // With its window closed the app keeps running and guarding.
    expect((await desktop.state()).appEvents).not.toContain('before-quit');

    const [notification] = (await desktop.state()).notifications;
    await desktop.clickNotification(notification!.id);
    const shown = await desktop.waitFor('a window shown and focused', (state) =>
      state.windows.find((window) => !window.destroyed && window.visible && window.focused),
    );
    expect(shown.id).not.toBe(first.id);

    const page = await desktop.page(shown.id);
    const card = page.getByRole('listitem', { name: `provision_api_key from ${AGENT}` });
    await expectUi(card).toBeVisible();
    await expectUi(card).toContainText(ARGUMENTS.email);

    await card.getByRole('button', { name: 'Allow once' }).click();
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/"api_key":\s*"hitl_/);
    // Answered in the window, the call leaves the desktop too.
    await desktop.waitFor('the notification withdrawn', (state) =>
      state.notifications.every((notification) => !notification.shown),
    );
    expect((await desktop.state()).problems).toEqual([]);
  });

  it('quits when told to, and its process ends', async () => {
    const exit = await airlock.desktop.quit();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.state?.appEvents.slice(-3)).toEqual(['before-quit', 'will-quit', 'quit']);
    // The process is gone, and with it the proxy's listener.
    await expect(fetch(`${airlock.url}/mcp/${MEATSPACE_SERVER_ID}`)).rejects.toThrow();
  });
});
