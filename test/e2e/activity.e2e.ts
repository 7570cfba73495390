// The Activity screen against a real `airlock serve` and a real MCP agent: a held
// provision_api_key call shows up live, is allowed, and its row and detail show the decision path
// with the agent's hitl_ key redacted (the key itself is nowhere on the page); filters and search
// narrow the table; export downloads the calls; and with thousands of calls the DOM holds only
// the rows in view.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  answerAllHeld,
  connectAgent,
  denyAllHeld,
  HELD_KEY_POLICY,
  MEATSPACE_SERVER_ID,
  provisionKey,
  startServe,
  type ServedAirlock,
} from './helpers/serve';
import { textOf } from '../helpers/airlock-harness';

// Each test builds on the calls the ones before it made.
test.describe.configure({ mode: 'serial' });

let airlock: ServedAirlock;
let agent: Client;

test.beforeAll(async () => {
  airlock = await startServe({ policies: { [MEATSPACE_SERVER_ID]: HELD_KEY_POLICY } });
  agent = await connectAgent(airlock.url, MEATSPACE_SERVER_ID, await airlock.addGrant('e2e-agent'));
});

// A test that failed half-way must not leave a held call for the next one.
test.afterEach(() => denyAllHeld(airlock));

test.afterAll(async () => {
  await agent?.close().catch(() => {});
  await airlock?.close();
});

/** Allows every held call through the app API, once there is one. */
async function allowAllHeld(): Promise<void> {
  await expect
    .poll(
      async () =>
        (await airlock.api<{ approvals: unknown[] }>('approvals.list', {})).approvals.length,
    )
    .toBeGreaterThan(0);
  await answerAllHeld(airlock, 'allow');
}

async function openActivity(page: Page): Promise<void> {
  await page.goto(airlock.uiUrl);
  await page
    .getByRole('navigation', { name: 'Screens' })
    .getByRole('button', { name: 'Activity' })
    .click();
  await expect(page.getByRole('heading', { name: 'Activity', level: 2 })).toBeVisible();
}

const grid = (page: Page) => page.getByRole('grid', { name: 'Calls' });
const dataRows = (page: Page) => grid(page).locator('[role="row"]:not([aria-rowindex="1"])');

test('an allowed provision_api_key call appears live, with its key redacted', async ({ page }) => {
  await openActivity(page);
  await expect(page.getByText('No calls yet.')).toBeVisible();

  const pending = provisionKey(agent, 'nightly build', 'ci@example.com');
  const row = dataRows(page).filter({ hasText: 'provision_api_key' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('pending');
  await expect(row).toContainText('e2e-agent');

  await allowAllHeld();
  const result = await pending;
  expect(result.isError).toBeFalsy();
  const key = /"api_key":\s*"(hitl_[A-Za-z0-9_-]+)"/.exec(textOf(result))?.[1];
  expect(key).toBeTruthy();
  // The same row, changed in place.
  await expect(row).toContainText('allowed by person');
  await expect(row).toContainText('ok');
  await expect(dataRows(page)).toHaveCount(1);

  await row.click();
  const detail = page.getByRole('region', { name: 'Call detail' });
  await expect(detail.getByRole('list', { name: 'Decision path' })).toHaveText(
    /Policy said\s*require approval.*Decision\s*allowed.*Decided by\s*person/,
  );
  await expect(detail).toContainText('/tools/provision_api_key');
  await expect(detail).toContainText('allowed by a person');
  await expect(detail.getByLabel('Arguments')).toContainText('"email": "ci@example.com"');
  await expect(detail.getByLabel('Result')).toContainText('[redacted');
  await expect(detail.getByLabel('Result')).toContainText('nightly build');
  expect(await page.content()).not.toContain(key!);
  expect(await page.locator('body').innerText()).not.toContain(key!);
});

test('filters and free text narrow the table, and the detail shows why a call was refused', async ({
  page,
}) => {
  await agent.callTool({ name: 'get_service_status', arguments: {} });
  await agent.callTool({ name: 'get_service_status', arguments: {} });
  const refused = await agent.callTool({
    name: 'ask_human',
    arguments: {
      agent_name: 'e2e',
      title: 'Ship the release?',
      choices: [
        { id: 'y', label: 'yes' },
        { id: 'n', label: 'no' },
      ],
    },
  });
  expect(refused.isError).toBe(true);

  await openActivity(page);
  await expect(page.getByText('4 calls shown')).toBeVisible();

  await page.getByRole('combobox', { name: 'Decision' }).selectOption('deny');
  await expect(page.getByText('1 call shown')).toBeVisible();
  await expect(dataRows(page)).toHaveText([/ask_human.*denied by policy/]);
  await dataRows(page).first().click();
  const detail = page.getByRole('region', { name: 'Call detail' });
  await expect(detail.getByRole('list', { name: 'Decision path' })).toHaveText(
    /Policy said\s*deny.*Decision\s*denied.*Decided by\s*policy/,
  );
  await expect(detail).toContainText('/default');
  await expect(detail).toContainText('The call was refused, so it never ran.');
  await detail.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('combobox', { name: 'Decision' }).selectOption('');
  await page.getByRole('combobox', { name: 'Tool' }).fill('get_service_status');
  await expect(page.getByText('2 calls shown')).toBeVisible();
  await expect(dataRows(page)).toHaveCount(2);
  await page.getByRole('combobox', { name: 'Tool' }).fill('');

  const search = page.getByRole('searchbox', { name: 'Search' });
  await search.fill('nightly');
  await expect(page.getByText('1 call shown')).toBeVisible();
  await expect(dataRows(page)).toHaveText([/provision_api_key/]);
  await search.fill('nigh*');
  await expect(dataRows(page)).toHaveText([/provision_api_key/]);
  // A word that is only the start of one does not match without *.
  await search.fill('nigh');
  await expect(page.getByText('No calls match these filters.')).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).first().click();
  await expect(page.getByText('4 calls shown')).toBeVisible();
  await expect(search).toHaveValue('');
});

test('export downloads the calls matching the filter', async ({ page }) => {
  await openActivity(page);
  await expect(page.getByText('4 calls shown')).toBeVisible();

  const csv = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const csvFile = await csv;
  expect(csvFile.suggestedFilename()).toMatch(/^airlock-history-.*\.csv$/);
  const csvText = readFileSync(await csvFile.path(), 'utf8');
  for (const tool of ['provision_api_key', 'ask_human', 'get_service_status']) {
    expect(csvText).toContain(tool);
  }
  expect(csvText).not.toMatch(/hitl_[A-Za-z0-9_-]{20,}/);
  await expect(page.getByRole('status')).toContainText('Exported 4 calls');

  await page.getByRole('combobox', { name: 'Decision' }).selectOption('deny');
  await expect(page.getByText('1 call shown')).toBeVisible();
  const jsonl = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export JSONL' }).click();
  const lines = readFileSync(await (await jsonl).path(), 'utf8')
    .trim()
    .split('\n');
  expect(lines.map((line) => (JSON.parse(line) as { tool: string }).tool)).toEqual(['ask_human']);
});

test('in an 800 px window the names stay whole, and an opened call comes into view', async ({
  page,
}) => {
  await page.setViewportSize({ width: 800, height: 600 });
  await openActivity(page);
  await expect(page.getByText('4 calls shown')).toBeVisible();
  // Client, server and tool columns show their names whole; Decision keeps its word whole.
  const cut = await dataRows(page).evaluateAll((rows) =>
    rows.flatMap((row) => {
      const cells = [...row.querySelectorAll<HTMLElement>('[role="gridcell"]')];
      const badge = cells[4]!.querySelector<HTMLElement>('.decision')!;
      return [cells[1]!, cells[2]!, cells[3]!, badge]
        .filter((cell) => cell.scrollWidth > cell.clientWidth)
        .map((cell) => cell.textContent);
    }),
  );
  expect(cut).toEqual([]);
  const grid = await page.getByRole('grid', { name: 'Calls' }).evaluate((el) => ({
    scroll: el.scrollWidth,
    client: el.clientWidth,
  }));
  expect(grid.scroll).toBeLessThanOrEqual(grid.client);

  // The pane opens below the table, below the fold at this height: it is brought into view.
  await dataRows(page).last().click();
  const detail = page.getByRole('region', { name: 'Call detail' });
  await expect(detail.getByLabel('Arguments')).toBeVisible();
  await expect(detail.getByRole('list', { name: 'Decision path' })).toBeInViewport();
});

test('the filters are in the address, and a reload keeps them', async ({ page }) => {
  await openActivity(page);
  await page.getByRole('combobox', { name: 'Decision' }).selectOption('allow');
  await page.getByRole('combobox', { name: 'Tool' }).fill('STATUS');
  await expect(page.getByText('2 calls shown')).toBeVisible();
  await expect(page).toHaveURL(/#\/activity\?tool=STATUS&decision=allow$/);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Activity', level: 2 })).toBeVisible();
  await expect(page.getByText('2 calls shown')).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Tool' })).toHaveValue('STATUS');
  await expect(page.getByRole('combobox', { name: 'Decision' })).toHaveValue('allow');
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`screenshot of Activity, ${colorScheme}`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize({ width: 1100, height: 900 });
    await openActivity(page);
    // A call held right now, so the table shows all three decisions.
    const pending = provisionKey(agent, 'release bot', 'release@example.com');
    await expect(dataRows(page).filter({ hasText: 'pending' })).toHaveCount(1);
    await dataRows(page).filter({ hasText: 'allowed by person' }).click();
    await expect(page.getByRole('region', { name: 'Call detail' })).toContainText('[redacted');
    await page.mouse.move(0, 0);
    // The pane came into view as it opened; the picture shows the screen from its top.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `docs/screenshots/activity-${colorScheme}.png` });
    await denyAllHeld(airlock);
    await pending;
  });
}

test.describe('with thousands of calls', () => {
  const CALLS = 3000;
  let big: ServedAirlock;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    big = await startServe({ policies: { [MEATSPACE_SERVER_ID]: HELD_KEY_POLICY } });
    const agents = await Promise.all(
      Array.from({ length: 4 }, async (_, i) =>
        connectAgent(big.url, MEATSPACE_SERVER_ID, await big.addGrant(`load-${i}`)),
      ),
    );
    let next = 0;
    await Promise.all(
      Array.from({ length: 40 }, async (_, worker) => {
        const client = agents[worker % agents.length]!;
        while (next < CALLS) {
          next++;
          await client.callTool({ name: 'get_service_status', arguments: {} });
        }
      }),
    );
    await Promise.all(agents.map((a) => a.close()));
  });

  test.afterAll(async () => {
    await big?.close();
  });

  test('the DOM holds only the rows in view while scrolling loads older pages', async ({
    page,
  }) => {
    test.setTimeout(60_000);
    await page.goto(big.uiUrl);
    await page
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: 'Activity' })
      .click();
    await expect(page.getByText('200 calls shown')).toBeVisible();
    const table = grid(page);
    const rendered = () => dataRows(page).count();
    expect(await rendered()).toBeLessThan(60);

    // Scroll to the end again and again: each time the next page loads, the DOM stays small.
    for (let shown = 200; shown < 1000; shown += 200) {
      await table.evaluate((element) => (element.scrollTop = element.scrollHeight));
      await expect(
        page.getByText(`${(shown + 200).toLocaleString('en-US')} calls shown`),
      ).toBeVisible();
      expect(await rendered()).toBeLessThan(60);
    }
    // The rows in the DOM are the ones at the end, not the first ones.
    const indexes = await dataRows(page).evaluateAll((rows) =>
      rows.map((row) => Number(row.getAttribute('aria-rowindex'))),
    );
    expect(Math.min(...indexes)).toBeGreaterThan(700);

    // New calls arrive on top while the person reads further down: what they read stays put.
    await table.evaluate((element) => (element.scrollTop = 3000));
    const box = (await table.boundingBox())!;
    const rowAt = () =>
      page.evaluate(
        ([x, y]) => document.elementFromPoint(x!, y!)?.closest('[role="row"]')?.id,
        [box.x + 60, box.y + 150],
      );
    // The virtual list draws the rows for the new position on its next frame.
    await expect.poll(rowAt).toMatch(/^call-row-\d+$/);
    const reading = await rowAt();
    const late = await connectAgent(big.url, MEATSPACE_SERVER_ID, await big.addGrant('late'));
    for (let i = 0; i < 5; i++) await late.callTool({ name: 'get_service_status', arguments: {} });
    await late.close();
    await expect(page.getByText('1,005 calls shown')).toBeVisible();
    await expect.poll(rowAt).toBe(reading);

    // The keys walk the list and it scrolls along.
    await table.evaluate((element) => (element.scrollTop = 0));
    await table.click({ position: { x: 50, y: 50 } });
    for (let i = 0; i < 30; i++) await page.keyboard.press('j');
    await expect(dataRows(page).and(page.locator('[aria-selected="true"]'))).toBeInViewport();
    expect(await rendered()).toBeLessThan(60);
  });
});
