// The Clients screen against a real `airlock serve` and a real MCP agent: a client created in the
// UI gets a token shown once, an agent using that token reaches the server, and revoking the client
// (after confirming) shuts that token out at once.
import { expect, test, type Page } from '@playwright/test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectAgent, MEATSPACE_SERVER_ID, startServe, type ServedAirlock } from './helpers/serve';

const POLICY = { version: '1', default: 'deny', tools: { get_service_status: {} } };

let airlock: ServedAirlock;

test.beforeAll(async () => {
  airlock = await startServe({ policies: { [MEATSPACE_SERVER_ID]: POLICY } });
});

test.afterAll(async () => {
  await airlock?.close();
});

async function openClients(page: Page) {
  await page.goto(airlock.uiUrl);
  await page.locator('nav[aria-label="Screens"]').getByRole('button', { name: 'Clients' }).click();
  await expect(page.getByRole('heading', { name: 'Clients', level: 2 })).toBeVisible();
}

/** Creates a client in the UI and returns the token the page shows once. */
async function createClient(page: Page, name: string): Promise<string> {
  await page.getByLabel('New client').fill(name);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  const panel = page.getByRole('region', { name: `Token for ${name}` });
  await expect(panel).toBeVisible();
  await expect(panel).toContainText('shown only once');
  const token = (await panel.getByLabel('Token', { exact: true }).textContent())?.trim() ?? '';
  expect(token).not.toBe('');
  // The snippets carry the token and this server's endpoint.
  await expect(
    panel.getByLabel(`Claude Code for ${MEATSPACE_SERVER_ID}`, { exact: true }),
  ).toContainText(token);
  await expect(
    panel.getByLabel(`Claude Code for ${MEATSPACE_SERVER_ID}`, { exact: true }),
  ).toContainText(`${airlock.url}/mcp/${MEATSPACE_SERVER_ID}`);
  return token;
}

test('a client created in the UI connects, and revoking it shuts its token out', async ({
  page,
}) => {
  await openClients(page);
  await expect(page.getByText('No clients yet.')).toBeVisible();
  const token = await createClient(page, 'laptop-agent');

  const agent: Client = await connectAgent(airlock.url, MEATSPACE_SERVER_ID, token);
  try {
    const result = await agent.callTool({ name: 'get_service_status', arguments: {} });
    expect(result.isError).toBeFalsy();
  } finally {
    await agent.close().catch(() => {});
  }

  await page.getByRole('button', { name: 'I have saved the token' }).click();
  await expect(page.getByRole('region', { name: 'Token for laptop-agent' })).toHaveCount(0);
  // Once dismissed, the token is nowhere on the page.
  expect(await page.content()).not.toContain(token);

  const row = page.getByRole('listitem', { name: 'Client laptop-agent' });
  await row.getByRole('button', { name: 'Revoke' }).click();
  const confirm = row.getByRole('group', { name: 'Revoke laptop-agent' });
  await expect(confirm).toContainText('Revoke laptop-agent? Agents using it lose access at once.');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toHaveCount(0);
  await row.getByRole('button', { name: 'Revoke' }).click();
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await expect(row).toHaveCount(0);
  await expect(page.getByText('No clients yet.')).toBeVisible();

  await expect(connectAgent(airlock.url, MEATSPACE_SERVER_ID, token)).rejects.toThrow(
    /401|Unauthorized/i,
  );
});

test('a renamed client keeps its token, and its calls are recorded under the new name', async ({
  page,
}) => {
  await openClients(page);
  const token = await createClient(page, 'desk-agent');
  await page.getByRole('button', { name: 'I have saved the token' }).click();

  const row = page.getByRole('listitem', { name: 'Client desk-agent' });
  await row.getByRole('button', { name: 'Rename' }).click();
  const form = row.getByRole('form', { name: 'Rename desk-agent' });
  await form.getByLabel('New name for desk-agent').fill('bad name');
  await expect(form.getByRole('button', { name: 'Rename' })).toBeDisabled();
  await form.getByLabel('New name for desk-agent').fill('office-agent');
  await form.getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByRole('listitem', { name: 'Client office-agent' })).toBeVisible();
  await expect(row).toHaveCount(0);

  const agent: Client = await connectAgent(airlock.url, MEATSPACE_SERVER_ID, token);
  try {
    expect(
      (await agent.callTool({ name: 'get_service_status', arguments: {} })).isError,
    ).toBeFalsy();
  } finally {
    await agent.close().catch(() => {});
  }
  const { calls } = await airlock.api<{ calls: { grant: string }[] }>('history.query', {
    tool: 'get_service_status',
    limit: 1,
  });
  expect(calls[0]?.grant).toBe('office-agent');
});

test('a name outside the rule cannot be sent', async ({ page }) => {
  await openClients(page);
  await page.getByLabel('New client').fill('-bad name');
  await expect(page.getByRole('button', { name: 'Create', exact: true })).toBeDisabled();
  await expect(page.getByText(/use 1 to 64 letters, digits/)).toBeVisible();
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`screenshot of Clients, ${colorScheme}`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize({ width: 1100, height: 720 });
    await openClients(page);
    await createClient(page, `shot-${colorScheme}`);
    await page.screenshot({ path: `docs/screenshots/clients-${colorScheme}.png` });
    await page.getByRole('button', { name: 'I have saved the token' }).click();
  });
}
