// watchConfig against a real data folder: a valid file is handed on as its difference from what is
// in force, an invalid or missing one keeps the last good config and reports why, and a fresh
// install without a config.json is no problem at all.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  watchConfig,
  type ConfigWatcher,
} from '../../../../src/main/adapters/files/config-watcher';
import type { ServerConfig, Settings } from '../../../../src/main/core/config/types';
import { DEFAULT_SETTINGS } from '../../../../src/main/core/config/types';
import type { ConfigStatus } from '../../../../src/shared/contract';
import { recordingLogger } from '../../../helpers/recording-logger';

let dir: string;
let watcher: ConfigWatcher | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-cw-'));
});
afterEach(() => {
  watcher?.close();
  watcher = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const file = () => path.join(dir, 'config.json');
const SOON = { timeout: 2000, interval: 20 };

function start(existed: boolean) {
  const reloads: string[][] = [];
  const statuses: ConfigStatus[] = [];
  const applied: Partial<Settings>[] = [];
  const settings: Settings = { ...DEFAULT_SETTINGS };
  const logger = recordingLogger();
  watcher = watchConfig({
    dataDir: dir,
    logger,
    existed,
    servers: {
      reload: (servers: readonly ServerConfig[]) => {
        reloads.push(servers.map((s) => s.id));
        return { added: [], changed: [], removed: [] };
      },
    },
    settings: () => settings,
    applySettings: (change) => {
      applied.push(change);
      Object.assign(settings, change);
    },
    onStatus: (status) => statuses.push(status),
    watch: { pollIntervalMs: 50 },
  });
  return { watcher, reloads, statuses, applied, settings, logger };
}

describe('watchConfig', () => {
  it('reports nothing for a fresh install, then follows the file once it exists', async () => {
    const { watcher, reloads, statuses } = start(false);
    await watcher.start();
    expect(watcher.status().problems).toEqual([]);
    expect(statuses).toEqual([]);
    expect(() => watcher.assertWritable()).not.toThrow();

    fs.writeFileSync(file(), JSON.stringify({ mcpServers: { a: { command: 'node' } } }));
    await expect.poll(() => reloads, SOON).toEqual([['a']]);

    fs.rmSync(file());
    await expect.poll(() => watcher.status().problems.length, SOON).toBe(1);
    expect(watcher.status().problems[0]?.message).toMatch(/config\.json is missing/);
    expect(() => watcher.assertWritable()).toThrow(/is missing, so Airlock will not write it/);
    // The servers in force were not touched.
    expect(reloads).toEqual([['a']]);
  });

  it('reports a file that was read at start and is gone by the time it is watched', async () => {
    const { watcher, statuses } = start(true);
    await watcher.start();
    expect(statuses.at(-1)?.problems[0]?.message).toMatch(/config\.json is missing/);
  });

  it('keeps the last good config while the file is invalid, with line and column, and clears it when fixed', async () => {
    fs.writeFileSync(file(), '{\n  "settings": { "approvalTimeout": "30s" }\n}\n');
    const { watcher, reloads, applied, logger } = start(true);
    await watcher.start();
    expect(applied).toEqual([{ approvalTimeoutMs: 30_000 }]);

    fs.writeFileSync(file(), '{\n  "settings": { "approvalTimeout": "soon" }\n}\n');
    await expect
      .poll(() => watcher.status().problems, SOON)
      .toEqual([
        expect.objectContaining({ path: '/settings/approvalTimeout', line: 2, column: 36 }),
      ]);
    expect(reloads).toHaveLength(1);
    expect(applied).toHaveLength(1);
    expect(logger.lines.at(-1)?.message).toContain(`${file()}:2:36: /settings/approvalTimeout`);

    fs.writeFileSync(file(), '{\n  "settings": { "approvalTimeout": "30s" }\n}\n');
    await expect.poll(() => watcher.status().problems, SOON).toEqual([]);
    expect(applied).toHaveLength(1);
    expect(reloads).toHaveLength(2);
  });

  it('keeps settings read at start for the next start and says so once', async () => {
    fs.writeFileSync(file(), '{}');
    const { watcher, settings, logger } = start(true);
    await watcher.start();
    fs.writeFileSync(file(), JSON.stringify({ settings: { maxMessageBytes: 65536, port: 0 } }));
    await expect.poll(() => watcher.status().nextStart, SOON).toEqual({ maxMessageBytes: 65536 });
    expect(settings.maxMessageBytes).toBe(DEFAULT_SETTINGS.maxMessageBytes);
    expect(settings.port).toBe(0);
    fs.writeFileSync(
      file(),
      JSON.stringify({ settings: { maxMessageBytes: 65536, port: 0, retentionDays: 7 } }),
    );
    await expect.poll(() => settings.retentionDays, SOON).toBe(7);
    const nextStartLines = logger.lines.filter((l) => l.message.includes('next start'));
    expect(nextStartLines.map((l) => l.message)).toEqual([
      'config.json: settings.port is now 0; it applies at the next start',
      'config.json: settings.maxMessageBytes is now 65536; it applies at the next start',
    ]);
  });
});
