// Starts the built Airlock desktop app (out/main/index.js) under the emulated electron
// (harness/desktop-app.ts) on a throwaway data folder: the MeatSpace fixture as a stdio server,
// its policy, grants written before the start, and port 0 through config.json's settings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { expect } from '@playwright/test';
import {
  addGrant,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  REPO_ROOT,
  SEED_POLICY_FILE,
} from '../helpers/airlock-harness';
import { connectAgent, MEATSPACE_SERVER_ID } from '../e2e/helpers/serve';
import { DesktopApp, type DesktopAppOptions } from './harness/desktop-app';

export { MEATSPACE_SERVER_ID };

/** Playwright's auto-waiting assertions for the windows' pages, patient with a loaded machine. */
export const expectUi = expect.configure({ timeout: 10_000 });

export const BUILT_PRELOAD = join(REPO_ROOT, 'out/preload/index.cjs');
/** What the window loads: the built renderer, served by the app on its own scheme. */
export const BUILT_RENDERER_URL = 'app://airlock/index.html';
const LISTENING = /Airlock listening on (http:\/\/127\.0\.0\.1:\d+)/;

export interface AirlockDesktopOptions {
  /** policies/<id>.json; default: the published seed policy for "meatspace". */
  policies?: Record<string, unknown | string>;
  /** Grants to create in the data folder before the start; their tokens are in `tokens`. */
  grants?: string[];
  desktop?: Omit<DesktopAppOptions, 'dataDir'>;
}

export interface AirlockDesktop {
  desktop: DesktopApp;
  dataDir: string;
  /** Where the app's core listens: http://127.0.0.1:PORT */
  url: string;
  tokens: Record<string, string>;
  /** An SDK client connected as an agent with a grant's token. */
  connectAgent(grant: string, serverId?: string): Promise<Client>;
  /** Ends the app and removes its data folder. */
  close(): Promise<void>;
}

export async function startAirlockDesktop(
  options: AirlockDesktopOptions = {},
): Promise<AirlockDesktop> {
  const dataDir = makeDataDir(
    {
      mcpServers: { [MEATSPACE_SERVER_ID]: fixtureCommand('meatspace-server.ts', 'stdio') },
      settings: { port: 0 },
    },
    options.policies ?? { [MEATSPACE_SERVER_ID]: readFileSync(SEED_POLICY_FILE, 'utf8') },
  );
  const tokens: Record<string, string> = {};
  for (const grant of options.grants ?? []) tokens[grant] = addGrant(dataDir, grant);
  let desktop: DesktopApp | undefined;
  try {
    desktop = await DesktopApp.start({
      ...options.desktop,
      // The app asks the login shell for PATH; the machine's shell rc has no part in these tests.
      env: { SHELL: '/nonexistent/shell', ...options.desktop?.env },
      dataDir,
    });
    const [, url] = await desktop.waitForOutput(LISTENING);
    const started = desktop;
    return {
      desktop,
      dataDir,
      url: url!,
      tokens,
      connectAgent: (grant, serverId = MEATSPACE_SERVER_ID) =>
        connectAgent(url!, serverId, tokens[grant]!),
      async close() {
        await started.close();
        removeDataDir(dataDir);
      },
    };
  } catch (error) {
    await desktop?.close();
    removeDataDir(dataDir);
    throw error;
  }
}
