// Held calls announced by a browser tab against a real `airlock serve` and a real MCP agent: the
// tab's title counts the calls waiting, and with notifications allowed a held call raises one
// notification (watched through a spy on window.Notification) that closes once the call is
// answered, here from outside the page as another window or a script would. The page never asks
// for the permission by itself.
import { expect, test, type Page } from '@playwright/test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  connectAgent,
  denyAllHeld,
  HELD_KEY_POLICY,
  MEATSPACE_SERVER_ID,
  provisionKey,
  startServe,
  type ServedAirlock,
} from './helpers/serve';

let airlock: ServedAirlock;
let agent: Client;

test.beforeAll(async () => {
  airlock = await startServe({ policies: { [MEATSPACE_SERVER_ID]: HELD_KEY_POLICY } });
  agent = await connectAgent(airlock.url, MEATSPACE_SERVER_ID, await airlock.addGrant('e2e-agent'));
});

// A test that failed half-way must not leave a held call for the next one to answer.
test.afterEach(() => denyAllHeld(airlock));

test.afterAll(async () => {
  await agent?.close().catch(() => {});
  await airlock?.close();
});

interface SeenNotification {
  title: string;
  body: string | undefined;
  closed: boolean;
}

/** Before the page's own scripts: every Notification the page makes is recorded, as is its close(). */
async function spyOnNotifications(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: SeenNotification[] = [];
    (window as unknown as { __notifications: SeenNotification[] }).__notifications = seen;
    const Real = window.Notification;
    class Watched extends Real {
      private readonly record: SeenNotification;
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        this.record = { title, body: options?.body, closed: false };
        seen.push(this.record);
      }
      override close() {
        this.record.closed = true;
        super.close();
      }
    }
    window.Notification = Watched;
  });
}

const notifications = (page: Page) =>
  page.evaluate(
    () => (window as unknown as { __notifications: SeenNotification[] }).__notifications,
  );

async function openPending(page: Page): Promise<void> {
  await page.goto(airlock.uiUrl);
  await expect(page.getByText('No calls are waiting for you.')).toBeVisible();
}

test('a held call puts "(1) Airlock" in the title, which is "Airlock" again once it is answered', async ({
  page,
}) => {
  await openPending(page);
  await expect(page).toHaveTitle('Airlock');
  const pending = provisionKey(agent, 'title key', 'title@example.com');
  await expect(page).toHaveTitle('(1) Airlock');
  await page
    .getByRole('listitem', { name: 'provision_api_key from e2e-agent' })
    .getByRole('button', { name: 'Allow once' })
    .click();
  expect((await pending).isError).toBeFalsy();
  await expect(page).toHaveTitle('Airlock');
});

test('with notifications allowed, a held call raises one that closes when the call is answered elsewhere', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['notifications'], { origin: airlock.url });
  await spyOnNotifications(page);
  await openPending(page);
  // Allowed already, so the page offers nothing and asks nothing.
  await expect(page.getByRole('button', { name: 'Notify me in this browser' })).toHaveCount(0);

  const pending = provisionKey(agent, 'notified key', 'notified@example.com');
  await expect
    .poll(() => notifications(page))
    .toEqual([
      {
        title: 'provision_api_key needs your approval',
        body: 'e2e-agent on meatspace: Creates credentials that cannot be recalled',
        closed: false,
      },
    ]);
  // The arguments stay off the notification.
  expect(JSON.stringify(await notifications(page))).not.toContain('notified@example.com');

  await denyAllHeld(airlock);
  expect((await pending).isError).toBe(true);
  await expect.poll(async () => (await notifications(page)).map((n) => n.closed)).toEqual([true]);
  await expect(page).toHaveTitle('Airlock');
});

test('the page never asks for permission by itself; allowed in the site settings later, the next call raises a notification', async ({
  page,
  context,
}) => {
  await spyOnNotifications(page);
  await page.addInitScript(() => {
    (window as unknown as { __asked: number }).__asked = 0;
    const ask = Notification.requestPermission.bind(Notification);
    Notification.requestPermission = (...args) => {
      (window as unknown as { __asked: number }).__asked++;
      return ask(...args);
    };
  });
  await openPending(page);
  // Offered, not asked.
  await expect(page.getByRole('button', { name: 'Notify me in this browser' })).toBeVisible();

  // The person allows notifications in the browser's own site settings, not through the page.
  await context.grantPermissions(['notifications'], { origin: airlock.url });
  const pending = provisionKey(agent, 'later key', 'later@example.com');
  await expect
    .poll(async () => (await notifications(page)).map((n) => n.title))
    .toEqual(['provision_api_key needs your approval']);
  expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(0);
  await denyAllHeld(airlock);
  await pending;
});
