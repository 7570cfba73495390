// The Settings screen against a real `airlock serve`: a changed approval timeout is written to the
// data folder's config.json and applies to the next held call (its countdown on Pending), and a
// value out of range is explained next to its field and cannot be saved.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  connectAgent,
  denyAllHeld,
  MEATSPACE_SERVER_ID,
  provisionKey,
  startServe,
  type ServedAirlock,
} from './helpers/serve';
import { cutSelects } from './helpers/cut-selects';

// No approval.timeout in the rule, so settings.approvalTimeout decides how long a call waits.
const POLICY = {
  version: '1',
  default: 'deny',
  tools: { provision_api_key: { action: 'require_approval' } },
};

let airlock: ServedAirlock;
let agent: Client;

test.beforeAll(async () => {
  airlock = await startServe({ policies: { [MEATSPACE_SERVER_ID]: POLICY } });
  agent = await connectAgent(airlock.url, MEATSPACE_SERVER_ID, await airlock.addGrant('e2e-agent'));
});

const denyAll = () => denyAllHeld(airlock);

// A test that failed half-way must not leave a held call behind.
test.afterEach(denyAll);

test.afterAll(async () => {
  await agent?.close().catch(() => {});
  await airlock?.close();
});

async function openSettings(page: Page): Promise<void> {
  await page.goto(airlock.uiUrl);
  await page
    .getByRole('navigation', { name: 'Screens' })
    .getByRole('button', { name: 'Settings' })
    .click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 2 })).toBeVisible();
}

test('a new approval timeout is saved to config.json and applies to the next held call', async ({
  page,
}) => {
  await openSettings(page);
  const timeout = page.getByLabel('Approval timeout');
  await expect(timeout).toHaveValue('120');
  const save = page.getByRole('button', { name: 'Save' });
  await expect(save).toBeDisabled();

  await timeout.fill('300');
  await expect(save).toBeEnabled();
  await save.click();
  await expect(page.getByRole('status')).toHaveText('Saved');
  await expect(save).toBeDisabled();
  await expect(timeout).toHaveValue('300');

  const config = JSON.parse(readFileSync(join(airlock.dataDir, 'config.json'), 'utf8')) as {
    settings?: { approvalTimeout?: string };
  };
  expect(config.settings?.approvalTimeout).toBe('300s');

  await page
    .getByRole('navigation', { name: 'Screens' })
    .getByRole('button', { name: 'Pending' })
    .click();
  const pending = provisionKey(agent, 'timeout key', 't@example.com');
  const card = page.getByRole('listitem', { name: 'provision_api_key from e2e-agent' });
  await expect(card).toBeVisible();
  // Five minutes, not the default two.
  await expect(card.getByTitle('Time left to answer')).toHaveText(/^expires in (5:00|4:[45]\d)$/);

  await denyAll();
  expect((await pending).isError).toBe(true);
});

test('a value out of range is explained next to its field and cannot be saved', async ({
  page,
}) => {
  await openSettings(page);
  const retention = page.getByLabel('History retention');
  const save = page.getByRole('button', { name: 'Save' });

  await retention.fill('0');
  await expect(retention).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Must be from 1 to 3,650 days.')).toBeVisible();
  await expect(save).toBeDisabled();

  await retention.fill('ninety');
  await expect(page.getByText('Enter a whole number of days, from 1 to 3,650.')).toBeVisible();
  await expect(save).toBeDisabled();

  await retention.fill('365');
  await expect(page.getByText(/from 1 to 3,650/)).toHaveCount(0);
  await expect(save).toBeEnabled();
  // Undo puts the saved value back, leaving nothing to save.
  await page.getByRole('button', { name: 'Undo changes' }).click();
  await expect(retention).toHaveValue('90');
  await expect(save).toBeDisabled();
});

test('turning notifications off is saved to config.json', async ({ page }) => {
  await openSettings(page);
  const notifications = page.getByLabel('Notifications');
  await expect(notifications).toBeChecked();
  await notifications.uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('button', { name: 'Save' })).toBeDisabled();
  await expect
    .poll(() => JSON.parse(readFileSync(join(airlock.dataDir, 'config.json'), 'utf8')).settings)
    .toMatchObject({ notifications: false });
  await page.reload();
  await expect(page.getByLabel('Notifications')).not.toBeChecked();
});

test('what to do with calls to changed tools is shown whole, and saved to config.json', async ({
  page,
}) => {
  await openSettings(page);
  const choice = page.getByLabel('Calls to changed tools');
  // Each choice's words fit in the box, the longer one included.
  for (const label of ['Refuse them', 'Hold them for my approval']) {
    await choice.selectOption({ label });
    expect(await cutSelects(page)).toEqual([]);
  }
  await choice.selectOption({ label: 'Refuse them' });
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('button', { name: 'Save' })).toBeDisabled();
  await expect
    .poll(() => JSON.parse(readFileSync(join(airlock.dataDir, 'config.json'), 'utf8')).settings)
    .toMatchObject({ changedToolDefinitions: 'refuse' });
  // Back to the default, for the tests and screenshots after this one.
  await choice.selectOption({ label: 'Hold them for my approval' });
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('button', { name: 'Save' })).toBeDisabled();
  await expect
    .poll(() => JSON.parse(readFileSync(join(airlock.dataDir, 'config.json'), 'utf8')).settings)
    .toMatchObject({ changedToolDefinitions: 'hold' });
});

test('a new port is saved for the next start while Airlock keeps listening where it is', async ({
  page,
}) => {
  await openSettings(page);
  const listening = new URL(airlock.url).port;
  await page.getByLabel('Port').fill('70000');
  await expect(page.getByText('Must be from 0 to 65,535.')).toBeVisible();
  await page.getByLabel('Port').fill('7999');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText(`${listening} (7999 from the next start)`)).toBeVisible();
  expect(JSON.parse(readFileSync(join(airlock.dataDir, 'config.json'), 'utf8')).settings.port).toBe(
    7999,
  );
});

test('a hand edit of config.json that is invalid shows its line and column until it is fixed, then applies', async ({
  page,
}) => {
  await openSettings(page);
  const file = join(airlock.dataDir, 'config.json');
  const good = readFileSync(file, 'utf8');
  const doc = JSON.parse(good) as { settings?: Record<string, unknown> };
  const edited = (settings: Record<string, unknown>) =>
    JSON.stringify({ ...doc, settings: { ...doc.settings, ...settings } }, null, 2);
  try {
    const bad = edited({ retentionDays: 0 });
    writeFileSync(file, bad);
    const banner = page.getByRole('alert', { name: 'config.json problems' });
    await expect(banner).toContainText('config.json has a problem');
    const line = bad.split('\n').findIndex((l) => l.includes('"retentionDays"')) + 1;
    await expect(banner.getByRole('listitem')).toContainText(
      new RegExp(`^Line ${line}, column \\d+: /settings/retentionDays `),
    );
    // The last good value stays in force and on screen.
    await expect(page.getByLabel('History retention')).toHaveValue('90');

    writeFileSync(file, edited({ retentionDays: 45 }));
    await expect(banner).toHaveCount(0);
    await expect(page.getByLabel('History retention')).toHaveValue('45');
  } finally {
    writeFileSync(file, good);
  }
  await expect(page.getByLabel('History retention')).toHaveValue('90');
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`screenshot of Settings, ${colorScheme}`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize({ width: 1100, height: 720 });
    await openSettings(page);
    await expect(page.getByText('Set in config.json')).toBeVisible();
    await page.screenshot({ path: `docs/screenshots/settings-${colorScheme}.png` });
  });
}
