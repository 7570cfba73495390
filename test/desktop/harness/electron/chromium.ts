// The one Chromium whose pages are the app's windows, started when the first window is made (an
// app that quits before making one never starts it). It listens for DevTools on a port so the
// test process can drive the same pages; Playwright kills it when this process exits.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Frame, Page } from 'playwright-core';

/** Who called the binding (playwright-core's BindingSource, which it does not export). */
export interface BindingSource {
  page: Page;
  frame: Frame;
}
import { changed, options, reportState } from './control';

/** The binding every window's preamble calls, and removes from the page before anything else runs. */
export const BINDING = '__electronHarnessIpc';

type BindingHandler = (source: BindingSource, args: unknown[]) => unknown;

let launched: Promise<BrowserContext> | undefined;
let cdpUrl: string | undefined;
let onBinding: BindingHandler = () => undefined;

export function setBindingHandler(handler: BindingHandler): void {
  onBinding = handler;
}

export function browserContext(): Promise<BrowserContext> {
  launched ??= launch();
  return launched;
}

async function launch(): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(options.scratchDir || tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: options.chromiumPath,
    headless: true,
    // Electron reads file:// pages with file access; port 0 lets the test process attach too.
    args: [...options.chromiumArgs, '--allow-file-access-from-files', '--remote-debugging-port=0'],
    // Signals belong to the app (Electron quits on them), not to Playwright.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const port = readFileSync(join(profile, 'DevToolsActivePort'), 'utf8').split('\n')[0];
  cdpUrl = `http://127.0.0.1:${port}`;
  await context.exposeBinding(BINDING, (source, ...args: unknown[]) => onBinding(source, args));
  // The page Chromium opened with stays, blank: closing a browser's last page may end it, and
  // an app with its window closed must keep running.
  changed();
  return context;
}

reportState(() => (cdpUrl ? { browser: { cdpUrl } } : {}));
