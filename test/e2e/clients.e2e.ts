// The Clients screen against a real `airlock serve` and a real MCP agent: a client created in the
// UI gets a token shown once, an agent using that token reaches the server, and revoking the client
// (after confirming) shuts that token out at once. On this machine: a Cursor found in a temporary
// home is protected from the UI, an agent set up as its rewritten config says goes through Airlock
// under the default policy, and Unprotect puts the file back byte for byte.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fixtureCommand } from '../helpers/airlock-harness';
import {
  connectAgent,
  MEATSPACE_SERVER_ID,
  provisionKey,
  startServe,
  type ServedAirlock,
} from './helpers/serve';

const POLICY = { version: '1', default: 'deny', tools: { get_service_status: {} } };

let airlock: ServedAirlock;
/** A second Airlock, with no servers, whose home holds the configs of Cursor and Claude Desktop. */
let machine: ServedAirlock;
let home: string;
let cursorFile: string;
let cursorText: string;

test.beforeAll(async () => {
  // An empty home: this Airlock finds no client, whatever the machine running the tests has.
  home = mkdtempSync(join(tmpdir(), 'airlock-e2e-home-'));
  airlock = await startServe({
    policies: { [MEATSPACE_SERVER_ID]: POLICY },
    home: join(home, 'empty'),
  });
  cursorFile = join(home, 'machine', '.cursor', 'mcp.json');
  cursorText = `{\n  "mcpServers": {\n    "meatspace": ${JSON.stringify(fixtureCommand('meatspace-server.ts', 'stdio'))}\n  }\n}\n`;
  mkdirSync(join(home, 'machine', '.cursor'), { recursive: true });
  writeFileSync(cursorFile, cursorText);
  const desktop = join(home, 'machine', '.config', 'Claude');
  mkdirSync(desktop, { recursive: true });
  writeFileSync(
    join(desktop, 'claude_desktop_config.json'),
    JSON.stringify(
      {
        mcpServers: {
          filesystem: {
            command: 'npx',
            args: ['-y', '@modelcontextprotocol/server-filesystem', '/home/me/notes'],
          },
        },
      },
      null,
      2,
    ),
  );
  machine = await startServe({
    config: { mcpServers: {} },
    policies: {},
    home: join(home, 'machine'),
  });
});

test.afterAll(async () => {
  await airlock?.close();
  await machine?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function openClients(page: Page, served: ServedAirlock = airlock) {
  await page.goto(served.uiUrl);
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
  // The snippets carry the token and this server's endpoint, and the bridge its real path.
  const claudeCode = panel.getByLabel('Claude Code configuration', { exact: true });
  await expect(claudeCode).toContainText(token);
  await expect(claudeCode).toContainText(`${airlock.url}/mcp/${MEATSPACE_SERVER_ID}`);
  await expect(
    panel.getByLabel('Claude Desktop (stdio bridge) configuration', { exact: true }),
  ).toContainText('bin/airlock.js');
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

test('a client found on this machine is protected from the UI, and unprotected back to its bytes', async ({
  page,
}) => {
  await openClients(page, machine);
  const row = page.getByRole('listitem', { name: 'Cursor on this machine' });
  await expect(row).toContainText(cursorFile);
  await expect(row).toContainText('Not protected');
  await row.getByRole('button', { name: 'Protect…' }).click();
  const panel = row.getByRole('region', { name: 'Protect Cursor' });
  // What will change, before it changes.
  await expect(panel).toContainText('Airlock creates the client grant cursor');
  await expect(panel.getByLabel('Change to meatspace')).toContainText(
    `"url": "${machine.url}/mcp/meatspace"`,
  );
  expect(readFileSync(cursorFile, 'utf8')).toBe(cursorText);
  await panel.getByRole('button', { name: 'Protect', exact: true }).click();
  const outcome = row.getByRole('status');
  await expect(outcome).toContainText('Cursor is protected with grant cursor', { timeout: 20_000 });
  await expect(outcome).toContainText('allowed (read-only) get_service_status');
  await expect(row).toContainText('Protected · grant cursor');

  // An agent set up exactly as Cursor's rewritten config says.
  const entry = JSON.parse(readFileSync(cursorFile, 'utf8')).mcpServers.meatspace;
  const agent = new Client({ name: 'cursor', version: '1.0.0' }, { capabilities: {} });
  await agent.connect(
    new StreamableHTTPClientTransport(new URL(entry.url), {
      requestInit: { headers: entry.headers },
    }),
  );
  try {
    const status = await agent.callTool({ name: 'get_service_status', arguments: {} });
    expect(status.isError).toBeFalsy();
    // Minting a key waits for a person, on Pending.
    const minting = provisionKey(agent, 'cursor key', 'dev@example.com');
    await page
      .locator('nav[aria-label="Screens"]')
      .getByRole('button', { name: 'Pending' })
      .click();
    const held = page.getByRole('listitem', { name: 'provision_api_key from cursor' });
    await expect(held).toBeVisible();
    await held.getByRole('button', { name: 'Deny' }).click();
    const refused = await minting;
    expect(refused.isError).toBe(true);
  } finally {
    await agent.close().catch(() => {});
  }

  await page.locator('nav[aria-label="Screens"]').getByRole('button', { name: 'Clients' }).click();
  await row.getByRole('button', { name: 'Unprotect…' }).click();
  const confirm = row.getByRole('group', { name: 'Unprotect Cursor' });
  await expect(confirm).toContainText(
    'revokes grant cursor and removes the servers it imported (meatspace)',
  );
  await confirm.getByRole('button', { name: 'Unprotect' }).click();
  await expect(row.getByRole('status')).toContainText('Cursor is no longer protected');
  await expect(row).toContainText('Not protected');
  expect(readFileSync(cursorFile, 'utf8')).toBe(cursorText);
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`screenshot of Clients, ${colorScheme}`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize({ width: 1100, height: 900 });
    await openClients(page, machine);
    const row = page.getByRole('listitem', { name: 'Cursor on this machine' });
    await row.getByRole('button', { name: 'Protect…' }).click();
    await expect(row.getByLabel('Change to meatspace')).toBeVisible();
    await page.screenshot({ path: `docs/screenshots/clients-${colorScheme}.png`, fullPage: true });
    await row.getByRole('button', { name: 'Cancel' }).click();
  });
}
