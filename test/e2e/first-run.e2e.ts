// First run: `airlock serve` on an empty data folder starts cleanly, and the UI leads the person
// through adding a server, writing its policy and creating a client instead of showing blank
// tables; each step ticks itself off when done, wherever it was done.
import { expect, test } from '@playwright/test';
import { startServe, type ServedAirlock } from './helpers/serve';

let airlock: ServedAirlock;

test.beforeEach(async () => {
  airlock = await startServe({ config: {}, policies: {} });
});

test.afterEach(async () => {
  await airlock?.close();
});

test('an empty data folder opens on a getting-started checklist that ticks itself off', async ({
  page,
}) => {
  await page.goto(airlock.uiUrl);
  const guide = page.getByRole('region', { name: 'Getting started' });
  await expect(guide).toBeVisible();
  await expect(guide.getByRole('listitem')).toHaveCount(3);
  await expect(guide).toContainText('Add the MCP server your agent uses');
  await expect(guide.getByRole('button', { name: 'Add a server' })).toBeVisible();

  // Each step opens the screen that does it.
  await guide.getByRole('button', { name: 'Create a client' }).click();
  await expect(page.getByRole('heading', { name: 'Clients', level: 2 })).toBeVisible();
  await page.getByLabel('New client').fill('first-agent');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  const doneStep = guide
    .getByRole('listitem')
    .filter({ hasText: 'Create a client for each agent' });
  await expect(doneStep).toContainText('(done)');
  // "(done)" follows its title on the same line, not on one of its own.
  const title = (await doneStep.getByText('Create a client for each agent').boundingBox())!;
  const mark = (await doneStep.getByText('(done)').boundingBox())!;
  expect(Math.abs(mark.y - title.y)).toBeLessThan(4);
  expect(mark.x).toBeGreaterThanOrEqual(title.x + title.width - 1);
  await expect(guide.getByRole('button', { name: 'Create a client' })).toHaveCount(0);

  await guide.getByRole('button', { name: 'Add a server' }).click();
  await expect(page.getByRole('heading', { name: 'Servers', level: 2 })).toBeVisible();
});

test('the Pending, Activity and Policies screens say what will appear instead of blank tables', async ({
  page,
}) => {
  await page.goto(airlock.uiUrl);
  await expect(page.getByText('No calls are waiting for you.')).toBeVisible();
  const tabs = page.getByRole('navigation', { name: 'Screens' });
  await tabs.getByRole('button', { name: 'Policies' }).click();
  await expect(page.getByText('No servers, so no policies yet.')).toBeVisible();
  await tabs.getByRole('button', { name: 'Activity' }).click();
  await expect(page.getByRole('heading', { name: 'Activity', level: 2 })).toBeVisible();
  await expect(page.locator('.empty')).toBeVisible();
});
