// The Policies screen against a real `airlock serve` and a real MCP agent: a rule changed in the
// form is saved after a dry run, takes effect on the agent's next call and is on disk as the JSON
// view showed it; an invalid edit cannot be saved and says where it is wrong; "Always allow" from
// Pending arrives here as a change to review.
import { readFileSync } from 'node:fs';
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
import { textOf } from '../helpers/airlock-harness';

const POLICY = {
  version: '1',
  default: 'deny',
  tools: {
    get_service_status: {},
    provision_api_key: {
      action: 'deny',
      reason: 'Key minting is paused',
      limits: [{ counter: 'keys', window: 'minute', max: 30, scope: 'grant' }],
    },
  },
};

let airlock: ServedAirlock;
let agent: Client;

test.beforeEach(async () => {
  airlock = await startServe({ policies: { [MEATSPACE_SERVER_ID]: POLICY } });
  agent = await connectAgent(airlock.url, MEATSPACE_SERVER_ID, await airlock.addGrant('e2e-agent'));
});

test.afterEach(async () => {
  await denyAllHeld(airlock);
  await agent?.close().catch(() => {});
  await airlock?.close();
});

function policyOnDisk(): string {
  return readFileSync(join(airlock.dataDir, 'policies', `${MEATSPACE_SERVER_ID}.json`), 'utf8');
}

async function openPolicies(page: Page) {
  await page.goto(airlock.uiUrl);
  await page
    .getByRole('navigation', { name: 'Screens' })
    .getByRole('button', { name: 'Policies' })
    .click();
  await expect(page.getByRole('heading', { name: 'Policies' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Rule for provision_api_key' })).toBeVisible();
}

/** The JSON editor's text, line by line as CodeMirror shows it (a policy fits its viewport). */
async function editorText(page: Page): Promise<string> {
  const lines = await page.locator('.json-editor .cm-line').allTextContents();
  return lines.join('\n');
}

test('a rule changed in the form is dry-run, saved, in force on the next call and on disk as shown', async ({
  page,
}) => {
  const refused = await provisionKey(agent, 'key', 'before@example.com');
  expect(refused.isError).toBe(true);
  expect(textOf(refused)).toContain('Key minting is paused');

  await openPolicies(page);
  const rule = page.getByRole('group', { name: 'Rule for provision_api_key' });
  await rule.getByLabel('Action for provision_api_key').selectOption('allow');
  // The JSON view follows the form.
  await expect(page.locator('.json-editor')).toContainText('"action": "allow"');

  await page.getByRole('button', { name: 'Review and save' }).click();
  const dryRun = page.getByRole('region', { name: 'Dry run' });
  await expect(dryRun).toContainText('1 decision would change');
  const changed = dryRun.getByRole('row').filter({ hasText: 'provision_api_key' });
  await expect(changed).toContainText('Deny');
  await expect(changed).toContainText('Allow');

  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved and in force' })).toBeVisible();

  const minted = await provisionKey(agent, 'key', 'after@example.com');
  expect(minted.isError).toBeFalsy();
  expect(textOf(minted)).toMatch(/"api_key":\s*"hitl_/);

  const onDisk = policyOnDisk();
  expect(onDisk).toBe(await editorText(page));
  expect(JSON.parse(onDisk)).toEqual({
    ...POLICY,
    tools: {
      ...POLICY.tools,
      provision_api_key: { ...POLICY.tools.provision_api_key, action: 'allow' },
    },
  });
});

test('an invalid edit cannot be saved and shows its line and path, in the form and the JSON', async ({
  page,
}) => {
  const before = policyOnDisk();
  await openPolicies(page);
  const max = page.getByLabel('Maximum calls, limit 1 of provision_api_key');
  await max.fill('0');

  const problems = page.getByRole('list', { name: 'Problems' });
  await expect(problems).toContainText(/Line \d+, column \d+/);
  await expect(problems).toContainText('/tools/provision_api_key/limits/0/max');
  await expect(problems).toContainText('must be >= 1');
  await expect(
    page.getByRole('group', { name: 'Rate limit 1 of provision_api_key' }),
  ).toContainText('max: must be >= 1');
  await expect(max).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.json-editor .cm-lintRange-error')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Review and save' })).toBeDisabled();
  await expect(page.getByText('Fix 1 problem to save.')).toBeVisible();

  // A syntax error typed in the JSON view: the form steps aside and the problem has a line.
  await max.fill('30');
  await expect(problems).toHaveCount(0);
  await page.locator('.json-editor .cm-content').click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type(' trailing');
  await expect(problems).toContainText(/Line \d+, column \d+/);
  await expect(page.getByText('The JSON has a syntax error')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Review and save' })).toBeDisabled();
  expect(policyOnDisk()).toBe(before);
});

test('a dry run lists each recorded call whose decision would change', async ({ page }) => {
  for (let i = 0; i < 3; i++) await agent.callTool({ name: 'get_service_status', arguments: {} });
  await provisionKey(agent, 'key', 'x@example.com');
  await openPolicies(page);

  await page.getByLabel('Action for get_service_status').selectOption('require_approval');
  await page.getByRole('button', { name: 'Dry run' }).click();
  const dryRun = page.getByRole('region', { name: 'Dry run' });
  await expect(dryRun).toContainText('4 recent calls replayed: 3 decisions would change.');
  const rows = dryRun.getByRole('row').filter({ hasText: 'get_service_status' });
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText('Needs approval');
  // Nothing was saved by the dry run.
  expect(JSON.parse(policyOnDisk())).toEqual(POLICY);
});

test('"Always allow" on a held call opens the change on Policies, and saving it stops the asking', async ({
  page,
}) => {
  const held = {
    ...POLICY,
    tools: {
      ...POLICY.tools,
      provision_api_key: { action: 'require_approval', reason: 'Mints keys' },
    },
  };
  await airlock.close();
  airlock = await startServe({ policies: { [MEATSPACE_SERVER_ID]: held } });
  agent = await connectAgent(airlock.url, MEATSPACE_SERVER_ID, await airlock.addGrant('e2e-agent'));

  await page.goto(airlock.uiUrl);
  const first = provisionKey(agent, 'key', 'first@example.com');
  const card = page.getByRole('listitem', { name: 'provision_api_key from e2e-agent' });
  await card.getByRole('button', { name: 'Always allow…' }).click();

  await expect(page.getByRole('heading', { name: 'Policies' })).toBeVisible();
  await expect(
    page
      .getByRole('status')
      .filter({ hasText: 'always allow provision_api_key for client e2e-agent' }),
  ).toBeVisible();
  await expect(page.getByText('Clients with their own rules: e2e-agent')).toBeVisible();
  await page.getByRole('button', { name: 'Review and save' }).click();
  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved and in force' })).toBeVisible();

  // The held call was held under the old policy: it is refused with "call again".
  await page
    .getByRole('navigation', { name: 'Screens' })
    .getByRole('button', { name: /Pending/ })
    .click();
  await card.getByRole('button', { name: 'Allow once' }).click();
  expect(textOf(await first)).toContain('call again');
  const second = await provisionKey(agent, 'key', 'second@example.com');
  expect(textOf(second)).toMatch(/"api_key":\s*"hitl_/);
  expect(JSON.parse(policyOnDisk()).grants['e2e-agent'].tools.provision_api_key.action).toBe(
    'allow',
  );
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`screenshot of Policies, ${colorScheme}`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize({ width: 1280, height: 900 });
    await provisionKey(agent, 'key', 'shot@example.com');
    await openPolicies(page);
    await page.getByLabel('Action for provision_api_key').selectOption('require_approval');
    await page.getByLabel('Reason for provision_api_key').fill('Mints credentials; ask me');
    await page.getByRole('button', { name: 'Review and save' }).click();
    await expect(page.getByRole('region', { name: 'Dry run' })).toContainText('would change');
    await page.screenshot({ path: `docs/screenshots/policies-${colorScheme}.png`, fullPage: true });
  });
}
