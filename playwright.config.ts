// End-to-end tests of the UI: the built `airlock serve` (test/e2e/helpers/serve.ts) in a real
// Chromium. Browser downloads are not used: the browser is the system's Chromium
// (Debian: `apt-get install -y chromium`), or the one CHROMIUM_PATH names.
// Run `npm run build` first; `npm test` does.
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/helpers/chromium';

export default defineConfig({
  // test/e2e holds the screens' tests, test/adversarial the UI's share of the adversarial suite.
  testDir: 'test',
  // *.e2e.ts, so vitest (test/**/*.test.ts) never picks these up and Playwright never picks up
  // vitest's files.
  testMatch: ['e2e/**/*.e2e.ts', 'adversarial/**/*.e2e.ts'],
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  globalTimeout: 10 * 60_000,
  expect: { timeout: 5_000 },
  reporter: 'list',
  use: {
    screenshot: 'only-on-failure',
    trace: 'off',
    video: 'off',
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        headless: true,
        launchOptions: {
          executablePath: CHROMIUM_PATH,
          args: CHROMIUM_ARGS,
        },
      },
    },
  ],
});
