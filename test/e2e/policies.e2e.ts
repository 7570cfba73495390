// The Policies screen against a real `airlock serve` and a real MCP agent: a rule changed in the
// form is saved after a review (diff, dry run), takes effect on the agent's next call and is on
// disk as the JSON view showed it, with no false "changed on disk" banner after; the form lists the
// server's own tools and one client's rules; "Try it" decides a call under the draft without
// running it; an invalid edit cannot be saved and says where it is wrong; "Always allow" from
// Pending arrives here as a change to review, marked; the save bar stays in view.
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
import { cutSelects } from './helpers/cut-selects';
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
  await expect(page.getByRole('heading', { name: 'Policies', exact: true })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Rule for provision_api_key' })).toBeVisible();
}

/** Two frames, so whatever an answer just set in the store is on screen. */
async function painted(page: Page) {
  await page.evaluate(
    () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))),
  );
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
  // The change first, as a diff of the file against the draft, then the dry run.
  const diff = page.getByRole('region', { name: 'Changes' });
  await expect(diff).toContainText('1 line added, 1 removed.');
  await expect(diff.locator('tr.removed')).toHaveText(/-\s*"action": "deny",/);
  await expect(diff.locator('tr.added')).toHaveText(/\+\s*"action": "allow",/);
  const dryRun = page.getByRole('region', { name: 'Dry run' });
  await expect(dryRun).toContainText('1 decision would change');
  const changed = dryRun.getByRole('row').filter({ hasText: 'provision_api_key' });
  await expect(changed).toContainText('Deny');
  await expect(changed).toContainText('Allow');

  // The save's own policy.changed event comes back while the save is in flight, and the screen
  // asks for the file's hash; held here until the save has answered (the order that showed a false
  // "changed on disk" banner), no banner may show once that hash is in.
  let saveAnswered!: () => void;
  const saved = new Promise<void>((resolve) => (saveAnswered = resolve));
  page.on('response', (r) => {
    if (r.url().endsWith('/api/policies.save')) saveAnswered();
  });
  await page.route('**/api/policies.get', async (route) => {
    await saved;
    await route.continue();
  });
  const hashAsked = page.waitForResponse((r) => r.url().endsWith('/api/policies.get'));
  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved and in force' })).toBeVisible();
  await hashAsked;
  await painted(page);
  await expect(page.getByText('The file changed on disk since you opened it')).toHaveCount(0);

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
  await page.getByRole('button', { name: 'Review and save' }).click();
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

  await expect(page.getByRole('heading', { name: 'Policies', exact: true })).toBeVisible();
  await expect(
    page
      .getByRole('status')
      .filter({ hasText: 'always allow provision_api_key for client e2e-agent' }),
  ).toBeVisible();
  // It arrives reviewed: the diff and the dry run shown, the client's changed rule marked.
  await expect(page.getByRole('region', { name: 'Changes' })).toContainText('"e2e-agent": {');
  await expect(page.getByRole('region', { name: 'Dry run' })).toContainText('replayed');
  await expect(page.getByLabel('Client whose rules to edit')).toHaveValue('e2e-agent');
  const proposed = page.getByRole('group', {
    name: 'Rule for provision_api_key, client e2e-agent',
  });
  await expect(proposed).toHaveClass(/\bchanged\b/);
  await expect(proposed.getByLabel('Action for provision_api_key, client e2e-agent')).toHaveValue(
    'allow',
  );
  await expect(
    page.getByRole('group', { name: 'Rule for provision_api_key', exact: true }),
  ).not.toHaveClass(/\bchanged\b/);
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

test("the form lists the server's tools; an action set there and one client's rule are in force after saving", async ({
  page,
}) => {
  const other = await connectAgent(
    airlock.url,
    MEATSPACE_SERVER_ID,
    await airlock.addGrant('other-agent'),
  );
  await openPolicies(page);
  // Every tool the MeatSpace server reports, in its order; ask_human has no rule, so the default.
  const rules = page.getByRole('group', { name: /^Rule for [a-z_]+$/ });
  await expect(rules).toHaveText([/get_service_status/, /ask_human/, /provision_api_key/]);
  await expect(page.getByRole('group', { name: 'Rule for ask_human' })).toContainText(
    'Puts a question with 2 to 4 choices',
  );
  const askAction = page.getByLabel('Action for ask_human', { exact: true });
  await expect(askAction.locator('option:checked')).toHaveText('Default (Deny)');
  await askAction.selectOption('allow');

  await page.getByLabel('Client whose rules to edit').selectOption('e2e-agent');
  await page
    .getByLabel('Action for provision_api_key, client e2e-agent', { exact: true })
    .selectOption('allow');
  await expect(
    page.getByRole('group', { name: 'Rule for provision_api_key, client e2e-agent' }),
  ).toHaveClass(/\bchanged\b/);

  await page.getByRole('button', { name: 'Review and save' }).click();
  await expect(page.getByRole('region', { name: 'Changes' })).toContainText('"ask_human": {');
  await expect(page.getByRole('region', { name: 'Dry run' })).toContainText('replayed');
  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved and in force' })).toBeVisible();

  const asked = await agent.callTool({
    name: 'ask_human',
    arguments: {
      agent_name: 'e2e',
      title: 'Ship it?',
      choices: [
        { id: 'y', label: 'Yes' },
        { id: 'n', label: 'No' },
      ],
    },
  });
  expect(asked.isError).toBeFalsy();
  expect(textOf(await provisionKey(agent, 'key', 'mine@example.com'))).toMatch(/"api_key"/);
  // The client's own rule is its alone.
  expect(textOf(await provisionKey(other, 'key', 'theirs@example.com'))).toContain(
    'Key minting is paused',
  );
  await other.close();
  const saved = JSON.parse(policyOnDisk());
  expect(saved.tools.ask_human).toEqual({ action: 'allow' });
  expect(saved.grants).toEqual({
    'e2e-agent': { tools: { provision_api_key: { action: 'allow' } } },
  });
});

test('"Try it" decides a call under the draft, names the rule, and runs nothing', async ({
  page,
}) => {
  await openPolicies(page);
  const before = await airlock.api<{ calls: unknown[] }>('history.query', {});
  await page.getByLabel('Client whose rules to edit').selectOption('e2e-agent');
  await page
    .getByLabel('Action for provision_api_key, client e2e-agent', { exact: true })
    .selectOption('require_approval');

  const panel = page.getByRole('region', { name: 'Try it' });
  await panel.getByLabel('Tool to try').selectOption('provision_api_key');
  await panel.getByLabel('Arguments to try').fill('{"name": "k", "email": "t@example.com"}');
  await panel.getByRole('button', { name: 'Try it' }).click();
  const decision = panel.getByRole('status', { name: 'Decision' });
  await expect(decision).toContainText('provision_api_key: Deny');
  await expect(decision).toContainText('Key minting is paused');

  await panel.getByLabel('Client to try as').selectOption('e2e-agent');
  await panel.getByRole('button', { name: 'Try it' }).click();
  await expect(decision).toContainText('provision_api_key from e2e-agent: Needs approval');
  await decision.getByRole('button', { name: '/grants/e2e-agent/tools/provision_api_key' }).click();
  const rule = page.getByRole('group', { name: 'Rule for provision_api_key, client e2e-agent' });
  await expect(rule).toHaveClass(/\bfocused\b/);
  await expect(rule).toBeInViewport();

  // Nothing ran, nothing was recorded, nothing was saved.
  expect(await airlock.api<{ calls: unknown[] }>('history.query', {})).toEqual(before);
  expect(JSON.parse(policyOnDisk())).toEqual(POLICY);
});

test('the save bar stays in view on a form longer than the window', async ({ page }) => {
  await page.setViewportSize({ width: 1000, height: 600 });
  await openPolicies(page);
  await page.getByLabel('Action for ask_human', { exact: true }).selectOption('deny');
  await page.evaluate(() => window.scrollTo(0, 0));
  const bar = page.getByRole('region', { name: 'Save' });
  const pageHeight = await page.evaluate(() => document.documentElement.scrollHeight);
  expect(pageHeight).toBeGreaterThan(1200);
  await expect(bar).toBeInViewport({ ratio: 1 });
  await expect(bar.getByRole('button', { name: 'Review and save' })).toBeEnabled();
  await page.evaluate(() => window.scrollTo(0, 500));
  await expect(bar).toBeInViewport({ ratio: 1 });
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`screenshots of Policies, ${colorScheme}`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize({ width: 1280, height: 1700 });
    await provisionKey(agent, 'key', 'shot@example.com');
    await openPolicies(page);
    await page.getByLabel('Action for ask_human', { exact: true }).selectOption('require_approval');
    await page.getByLabel('Reason for ask_human', { exact: true }).fill('Reaches a person; ask me');
    await page.getByLabel('Client whose rules to edit').selectOption('e2e-agent');
    await page
      .getByLabel('Action for provision_api_key, client e2e-agent', { exact: true })
      .selectOption('allow');
    const panel = page.getByRole('region', { name: 'Try it' });
    await panel.getByLabel('Tool to try').selectOption('provision_api_key');
    await panel.getByLabel('Client to try as').selectOption('e2e-agent');
    await panel.getByLabel('Arguments to try').fill('{"name": "k", "email": "t@example.com"}');
    await panel.getByRole('button', { name: 'Try it' }).click();
    await expect(panel.getByRole('status', { name: 'Decision' })).toContainText('Allow');
    // Every action reads whole, "Not set (Needs approval)" included.
    expect(await cutSelects(page)).toEqual([]);
    await page.screenshot({ path: `docs/screenshots/policies-${colorScheme}.png` });

    await page.getByRole('button', { name: 'Review and save' }).click();
    await expect(page.getByRole('region', { name: 'Dry run' })).toContainText('would change');
    // The README shows the review once, in light.
    if (colorScheme === 'light') {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: 'docs/screenshots/policies-review-light.png' });
    }
  });
}
