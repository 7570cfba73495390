// The Servers screen against a real `airlock serve`: the MeatSpace fixture's tools with the risk
// its policy gives each, a server added from the form (tested first) that a real MCP agent then
// reaches, its removal, and the first-run guidance on an empty data folder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { fixtureCommand } from '../helpers/airlock-harness';
import { connectAgent, MEATSPACE_SERVER_ID, startServe, type ServedAirlock } from './helpers/serve';

const POLICY = {
  version: '1',
  default: 'deny',
  tools: {
    get_service_status: { action: 'allow' },
    provision_api_key: {
      limits: [{ counter: 'keys', window: 'minute', max: 30, scope: 'grant' }],
    },
    ask_human: { action: 'require_approval', reason: 'A person reviews every question' },
  },
  grants: {
    'ci-bot': { tools: { ask_human: { action: 'deny', reason: 'CI never asks people' } } },
  },
};

let airlock: ServedAirlock;

test.beforeAll(async () => {
  airlock = await startServe({ policies: { [MEATSPACE_SERVER_ID]: POLICY } });
});

test.afterAll(async () => {
  await airlock?.close();
});

async function openServers(page: Page, url = airlock.uiUrl) {
  await page.goto(url);
  await page.locator('nav[aria-label="Screens"]').getByRole('button', { name: 'Servers' }).click();
  await expect(page.getByRole('heading', { name: 'Servers', level: 2 })).toBeVisible();
}

function riskCell(page: Page, server: string, tool: string) {
  return page
    .getByRole('table', { name: `Tools of ${server} with their risk` })
    .getByRole('row', { name: tool })
    .locator('.risk')
    .first();
}

test("the MeatSpace fixture's tools show the risk its policy gives each", async ({ page }) => {
  await openServers(page);
  const card = page.getByRole('listitem', { name: `Server ${MEATSPACE_SERVER_ID}` });
  await expect(card.getByLabel(`Endpoint of ${MEATSPACE_SERVER_ID}`, { exact: true })).toHaveText(
    `${airlock.url}/mcp/${MEATSPACE_SERVER_ID}`,
  );
  await expect(card.getByText(/Loaded from/)).toBeVisible();
  await expect(riskCell(page, MEATSPACE_SERVER_ID, 'get_service_status')).toHaveText('✓ allowed');
  await expect(riskCell(page, MEATSPACE_SERVER_ID, 'provision_api_key')).toHaveText('≤ limited');
  await expect(riskCell(page, MEATSPACE_SERVER_ID, 'ask_human')).toHaveText('? needs approval');
  await expect(card.getByText('A person reviews every question')).toBeVisible();
  await expect(card.getByText(/at most 30 per minute for each client/)).toBeVisible();
  await expect(card.getByLabel('Client overrides for ask_human')).toHaveText(
    /for client ci-bot: ✕ denied/,
  );
});

test('a server added from the form is tested, serves an agent, and is removed', async ({
  page,
}) => {
  const id = 'meatspace-two';
  const { command, args, cwd } = fixtureCommand('meatspace-server.ts', 'stdio');
  await openServers(page);
  await page.getByRole('button', { name: 'Add a server' }).click();
  const form = page.getByRole('form', { name: 'Add a server' });
  await form.getByLabel('Id', { exact: true }).fill(id);
  await form.getByLabel('Command', { exact: true }).fill(command);
  await form.getByLabel('Arguments', { exact: true }).fill(args.join('\n'));
  await form.getByLabel('Working folder', { exact: true }).fill(cwd);
  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(form.getByRole('status')).toHaveText(
    /^✓ Connected to meatspace 1\.4\.0: 3 tools, in \d+ ms\.$/,
    { timeout: 20_000 },
  );
  await form.getByRole('button', { name: 'Add server' }).click();

  const card = page.getByRole('listitem', { name: `Server ${id}` });
  await expect(card).toBeVisible();
  // The starter policy asks before every call.
  await expect(riskCell(page, id, 'get_service_status')).toHaveText('? needs approval', {
    timeout: 20_000,
  });
  const config = JSON.parse(readFileSync(join(airlock.dataDir, 'config.json'), 'utf8'));
  expect(config.mcpServers[id]).toEqual({ command, args, cwd });

  const agent = await connectAgent(airlock.url, id, await airlock.addGrant('e2e-agent'));
  try {
    const { tools } = await agent.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'ask_human',
      'get_service_status',
      'provision_api_key',
    ]);
  } finally {
    await agent.close().catch(() => {});
  }

  await card.getByRole('button', { name: 'Remove' }).click();
  const confirm = card.getByRole('group', { name: `Remove ${id}` });
  await expect(confirm).toContainText(`policies/${id}.json stays`);
  await confirm.getByRole('button', { name: 'Confirm removal' }).click();
  await expect(card).toHaveCount(0);
  const after = JSON.parse(readFileSync(join(airlock.dataDir, 'config.json'), 'utf8'));
  expect(Object.keys(after.mcpServers)).toEqual([MEATSPACE_SERVER_ID]);
  await expect(connectAgent(airlock.url, id, await airlock.addGrant('late-agent'))).rejects.toThrow(
    /No upstream server .*meatspace-two.* is configured/,
  );
});

test('an empty data folder guides the user to add a first server', async ({ page }) => {
  const empty = await startServe({ config: {}, policies: {} });
  try {
    await openServers(page, empty.uiUrl);
    await expect(page.getByRole('heading', { name: 'Add your first MCP server' })).toBeVisible();
    await expect(page.getByRole('form', { name: 'Add a server' })).toBeVisible();
    await expect(page.getByText('0 servers')).toBeVisible();
    // The OS keychain where one works (a desktop session), else the data folder's file.
    const note = page.getByLabel('Where secrets are kept');
    await expect(note).toHaveText(/^Header and environment values are kept in /);
    if ((await note.textContent())?.includes('a file readable by you alone')) {
      await expect(note).toContainText(join(empty.dataDir, 'upstream-secrets.json'));
    }
  } finally {
    await empty.close();
  }
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`screenshot of Servers, ${colorScheme}`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize({ width: 1100, height: 900 });
    await openServers(page);
    await expect(riskCell(page, MEATSPACE_SERVER_ID, 'ask_human')).toHaveText('? needs approval');
    await page.screenshot({ path: `docs/screenshots/servers-${colorScheme}.png` });
  });
}
