// Hostile text in every field a screen shows, sent the way an attacker would send it: an agent's
// tool call (its arguments and their keys), a hostile upstream server (tool names, titles,
// descriptions, parameter names and descriptions, error messages, its own command line) and policy
// files (tool names, reasons). Markup, scripts, `<img onerror>`, `javascript:` links, megabyte
// values and bidirectional overrides must all stay inert text: no script runs, no element or link
// comes from them, the page keeps its width and its buttons, and no override reorders what is
// shown (each is written as its escape, `\u202e`).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectAgent, denyAllHeld, startServe, type ServedAirlock } from '../e2e/helpers/serve';
import { fixtureCommand, textOf } from '../helpers/airlock-harness';

test.describe.configure({ mode: 'serial' });

const MARKUP =
  `<img src=x onerror="window.__pwned='img'"><script>window.__pwned='script'</script>` +
  `<a href="javascript:window.__pwned='link'">click me</a><b data-pwn="1">bold</b>` +
  `<svg onload="window.__pwned='svg'"></svg>`;
/** Read in order: "ok <RLO>txt.exe<PDF> <RLI>ltr<PDI> end"; rendered, "txt.exe" would read "exe.txt". */
const BIDI = 'ok \u202etxt.exe\u202c \u2067ltr\u2069 end';
const MEGABYTE = 'W'.repeat(1 << 20);

/** Tool names chosen by the hostile server. */
const MARKUP_TOOL = `html ${MARKUP}`;
const BIDI_TOOL = 'bidi \u202egnp.exe';
const HUGE_TOOL = `huge_${MEGABYTE}`;
const HELD_TOOLS = [MARKUP_TOOL, BIDI_TOOL, HUGE_TOOL];

/** What a call's arguments carry: payloads in values and in a key. */
const ARGS = { text: MARKUP, bidi: BIDI, huge: MEGABYTE, [MARKUP]: BIDI };

const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

let airlock: ServedAirlock;
let agent: Client;
let toolsDir: string;
const held: Promise<unknown>[] = [];

test.beforeAll(async () => {
  toolsDir = mkdtempSync(join(tmpdir(), 'airlock-hostile-tools-'));
  const toolsFile = join(toolsDir, 'tools.json');
  const inputSchema = {
    type: 'object',
    properties: { [MARKUP]: { type: 'string', description: MARKUP + BIDI } },
  };
  writeFileSync(
    toolsFile,
    JSON.stringify([
      { name: MARKUP_TOOL, title: MARKUP, description: MARKUP + BIDI, inputSchema },
      { name: BIDI_TOOL, title: BIDI, description: BIDI + MEGABYTE, inputSchema },
      { name: HUGE_TOOL, title: MEGABYTE, description: MEGABYTE, inputSchema },
    ]),
  );
  airlock = await startServe({
    config: {
      mcpServers: {
        // The command line is shown on Servers; its last argument is the payload.
        hostile: {
          ...fixtureCommand('hostile-server.ts', MARKUP + BIDI),
          env: { HOSTILE_TOOLS_FILE: toolsFile },
        },
      },
    },
    policies: {
      hostile: {
        version: '1',
        default: 'deny',
        tools: {
          [MARKUP_TOOL]: { action: 'require_approval', reason: MARKUP + BIDI },
          [BIDI_TOOL]: { action: 'require_approval', reason: BIDI },
          [HUGE_TOOL]: { action: 'require_approval', reason: MEGABYTE },
          echo: { action: 'deny', reason: MARKUP + BIDI + MEGABYTE },
          fail: {},
        },
      },
    },
  });
  agent = await connectAgent(airlock.url, 'hostile', await airlock.addGrant('agent'));
});

test.afterAll(async () => {
  await denyAllHeld(airlock).catch(() => {});
  await Promise.allSettled(held);
  await agent?.close().catch(() => {});
  await airlock?.close();
  rmSync(toolsDir, { recursive: true, force: true });
});

/** Every dialog a page opens: an alert() from a payload would be one. */
const dialogs: string[] = [];

async function open(page: Page, screen: string): Promise<void> {
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(airlock.uiUrl);
  await page.locator('nav[aria-label="Screens"]').getByRole('button', { name: screen }).click();
  await expect(page.getByRole('heading', { name: screen, level: 2 })).toBeVisible();
}

/**
 * Nothing from a payload is live on the page: no script ran, no element or handler or
 * `javascript:` link came from it, no bidirectional control is on screen (text, tooltips, labels),
 * and nothing widens the page past the window.
 */
async function expectInert(page: Page): Promise<void> {
  const found = await page.evaluate((controls) => {
    const bidi = new RegExp(controls);
    const all = [...document.querySelectorAll('*')];
    return {
      pwned: (window as { __pwned?: unknown }).__pwned ?? null,
      // CodeMirror's own cm-widgetBuffer images are the only ones the app draws.
      elements: document.querySelectorAll(
        'body script, [data-pwn], img:not(.cm-widgetBuffer), svg[onload], iframe, object, embed',
      ).length,
      handlers: all.filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).length,
      javascriptLinks: document.querySelectorAll(
        '[href^="javascript:" i], [src^="javascript:" i], [action^="javascript:" i], [formaction^="javascript:" i]',
      ).length,
      bidiInText: bidi.test(document.body.innerText),
      bidiInAttributes: all.filter((el) =>
        ['title', 'aria-label', 'placeholder', 'alt'].some((name) =>
          bidi.test(el.getAttribute(name) ?? ''),
        ),
      ).length,
      widerThanWindow: document.documentElement.scrollWidth > window.innerWidth,
    };
  }, BIDI_CONTROLS.source);
  expect(found).toEqual({
    pwned: null,
    elements: 0,
    handlers: 0,
    javascriptLinks: 0,
    bidiInText: false,
    bidiInAttributes: 0,
    widerThanWindow: false,
  });
  expect(dialogs).toEqual([]);
}

/**
 * The element's text is folded: a megabyte value is not on the page whole (the history itself
 * keeps 16 KB of a call's arguments and of its result, which the detail pane shows).
 */
async function expectFolded(locator: Locator): Promise<void> {
  expect((await locator.innerText()).length).toBeLessThan(50_000);
}

test('Pending: tool names, arguments and reasons stay inert, folded, and answerable', async ({
  page,
}) => {
  for (const name of HELD_TOOLS) {
    held.push(agent.callTool({ name, arguments: ARGS }, undefined, { timeout: 120_000 }));
  }
  await open(page, 'Pending');
  const cards = page.getByRole('list').getByRole('listitem');
  await expect(cards).toHaveCount(3);
  await expectInert(page);

  // What the person sees of the reversed name is its characters in order, the override escaped.
  const bidiCard = cards.filter({ hasText: 'bidi \\u202egnp.exe' });
  await expect(bidiCard.locator('.tool')).toHaveText('bidi \\u202egnp.exe');
  await expect(bidiCard.getByLabel('Arguments')).toContainText(
    '"bidi": "ok \\u202etxt.exe\\u202c \\u2067ltr\\u2069 end"',
  );
  await expect(
    bidiCard.getByRole('button', { name: 'Allow bidi \\u202egnp.exe for' }),
  ).toBeVisible();

  const hugeCard = cards.filter({ hasText: 'huge_WWWW' });
  await expectFolded(hugeCard);
  await expect(hugeCard).toContainText('(1,048,381 more characters)');
  await hugeCard.scrollIntoViewIfNeeded();
  for (const name of ['Allow once', 'Deny']) {
    await expect(hugeCard.getByRole('button', { name, exact: true })).toBeInViewport();
  }

  // The page still answers: Deny reaches the agent.
  await bidiCard.getByRole('button', { name: 'Deny', exact: true }).click();
  await expect(cards).toHaveCount(2);
  expect(textOf(await held[1])).toMatch(/a person denied the call/);
  await expectInert(page);
});

test('Clients: a grant name cannot carry markup; a temporary grant of a hostile tool stays inert', async ({
  page,
}) => {
  await expect(airlock.api('grants.add', { name: MARKUP })).rejects.toThrow(/invalid_input/);
  await expect(airlock.api('grants.add', { name: 'agent\u202e' })).rejects.toThrow(/invalid_input/);
  // "Allow for 5 minutes" on the held calls makes temporary grants named by the hostile tools.
  const { approvals } = await airlock.api<{ approvals: { id: string }[] }>('approvals.list', {});
  for (const { id } of approvals) {
    await airlock.api('approvals.decide', { id, decision: 'allow', forMinutes: 5 });
  }
  await Promise.allSettled(held);
  await open(page, 'Clients');
  const temporary = page.getByRole('listitem').filter({ hasText: 'for client agent on hostile' });
  await expect(temporary).toHaveCount(2);
  await expectInert(page);
  const huge = temporary.filter({ hasText: 'huge_WWWW' });
  await expectFolded(huge);
  await expect(huge.getByRole('button', { name: 'Revoke' })).toBeInViewport();
});

test('Activity: every column, the detail pane and the export stay inert', async ({ page }) => {
  // A refusal whose reason is the payload, and an error message from the server that is one.
  expect(textOf(await agent.callTool({ name: 'echo', arguments: ARGS }))).toContain('<img');
  await expect(
    agent.callTool({ name: 'fail', arguments: { text: MARKUP + BIDI, mb: 1 } }),
  ).rejects.toThrow(/onerror/);

  await open(page, 'Activity');
  const rows = page.getByRole('grid', { name: 'Calls' }).getByRole('row');
  // The header, the three calls a person answered, and the two above.
  await expect(rows).toHaveCount(6);
  await expectInert(page);
  for (let row = 1; row < 6; row++) {
    await rows.nth(row).click();
    const detail = page.getByRole('region', { name: 'Call detail' });
    await expect(detail.getByRole('heading', { level: 4, name: 'Arguments' })).toBeVisible();
    await expectInert(page);
    await expectFolded(detail);
    await expect(detail.getByRole('button', { name: 'Close' })).toBeInViewport();
  }

  const jsonl = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export JSONL' }).click();
  const lines = readFileSync(await (await jsonl).path(), 'utf8');
  expect(lines).not.toMatch(BIDI_CONTROLS);
  const tools = lines
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { tool: string }).tool);
  expect(tools).toEqual(expect.arrayContaining([MARKUP_TOOL, BIDI_TOOL, HUGE_TOOL]));
});

test('Servers: the command, tool names, titles, descriptions and parameters stay inert', async ({
  page,
}) => {
  await open(page, 'Servers');
  const tools = page.getByRole('table', { name: 'Tools of hostile with their risk' });
  await expect(tools.getByRole('row').filter({ hasText: 'bidi \\u202egnp.exe' })).toHaveCount(1);
  await expectInert(page);
  await expect(page.getByText('\\u202etxt.exe\\u202c', { exact: false }).first()).toBeVisible();
  const huge = tools.getByRole('row').filter({ hasText: 'huge_WWWW' });
  await expectFolded(huge);
  await expect(page.getByRole('button', { name: 'Remove' })).toBeInViewport();
});

test('Policies: the policy text, tool names and reasons stay inert', async ({ page }) => {
  await open(page, 'Policies');
  await expect(page.getByRole('group', { name: 'Rule for bidi \\u202egnp.exe' })).toBeVisible();
  await expectInert(page);
  // The editor marks each bidirectional control instead of obeying it.
  await expect(page.locator('.cm-specialChar').first()).toBeVisible();
});
