// "Nothing lost": config.json is the file users paste and edit by hand, so a grant must not depend
// on it. Pasting a config.json over the running one used to revoke every client silently. Grants
// now live in secrets.json; an older data folder has them moved there by `airlock serve` or by
// any `airlock grants` command, and a "grants" key that comes back in config.json is ignored.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import {
  addGrant,
  apiCall,
  connectClient,
  makeDataDir,
  removeDataDir,
  REPO_ROOT,
  startAirlock,
} from '../helpers/airlock-harness';
import { recordingLogger } from '../helpers/recording-logger';
import { hashGrantToken } from '../../src/main/adapters/files/grants';

const BIN = join(REPO_ROOT, 'bin/airlock.js');
const POLICY = { version: '1', default: 'deny', tools: { get_service_status: {} } };
const LEGACY_TOKEN = 'alk_token-of-a-grant-created-by-an-older-version';

let upstream: MeatspaceHttp;
const dataDirs: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'out/main/cli.js')))
    throw new Error('run `npm run build` before these tests');
  upstream = await startMeatspaceHttp();
});

afterAll(async () => {
  await upstream?.close();
  for (const dir of dataDirs) removeDataDir(dir);
});

function dataDir(config: Record<string, unknown> = {}): string {
  const dir = makeDataDir(
    { mcpServers: { meatspace: { url: upstream.url } }, ...config },
    { meatspace: POLICY },
  );
  dataDirs.push(dir);
  return dir;
}

/** config.json as a user keeps it, from a version that listed the grants in it. */
function legacyConfigText(): string {
  return [
    '{',
    `  "mcpServers": { "meatspace": { "url": "${upstream.url}" } },`,
    '  "grants": { "laptop": { "created": "2025-01-01T00:00:00.000Z" } },',
    '  "settings": { "approvalTimeout": "90s" }',
    '}',
    '',
  ].join('\n');
}
function migratedConfigText(): string {
  return [
    '{',
    `  "mcpServers": { "meatspace": { "url": "${upstream.url}" } },`,
    '  "settings": { "approvalTimeout": "90s" }',
    '}',
    '',
  ].join('\n');
}

/** A data folder as an older version left it: names in config.json, hashes in secrets.json. */
function legacyDataDir(): string {
  const dir = dataDir();
  writeFileSync(join(dir, 'config.json'), legacyConfigText());
  writeFileSync(
    join(dir, 'secrets.json'),
    JSON.stringify({ grantTokens: { laptop: hashGrantToken(LEGACY_TOKEN) } }),
    { mode: 0o600 },
  );
  return dir;
}

function airlockCli(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function statusCallWorks(client: Awaited<ReturnType<typeof connectClient>>) {
  const result = await client.callTool({ name: 'get_service_status', arguments: {} });
  return result.isError !== true;
}

describe('grants and config.json', () => {
  it('pasting a new config.json over the running one revokes no client', async () => {
    const dir = dataDir();
    const token = addGrant(dir, 'claude-desktop');
    const runtime = await startAirlock(dir);
    try {
      const client = await connectClient(runtime, 'meatspace', token);
      expect(await statusCallWorks(client)).toBe(true);

      // The user pastes the mcpServers block they already had elsewhere.
      writeFileSync(
        join(dir, 'config.json'),
        JSON.stringify({ mcpServers: { meatspace: { url: upstream.url } } }, null, 2),
      );
      // Another grant is created, so the running Airlock reads its files again.
      await apiCall(runtime, 'grants.add', { name: 'cursor' });

      expect(await statusCallWorks(client)).toBe(true);
      const again = await connectClient(runtime, 'meatspace', token);
      expect(await statusCallWorks(again)).toBe(true);
      expect((await apiCall(runtime, 'grants.list', {})).grants.map((g) => g.name)).toEqual([
        'claude-desktop',
        'cursor',
      ]);
      await client.close();
      await again.close();
    } finally {
      await runtime.close();
    }
  });

  it('an older data folder is moved on the first start: grants keep working, config.json keeps the rest byte for byte', async () => {
    const dir = legacyDataDir();
    const logger = recordingLogger();
    const runtime = await startAirlock(dir, logger);
    try {
      expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(migratedConfigText());
      expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).grants).toEqual({
        laptop: { created: '2025-01-01T00:00:00.000Z', tokenHash: hashGrantToken(LEGACY_TOKEN) },
      });
      expect(logger.lines).toContainEqual(
        expect.objectContaining({
          level: 'info',
          message: 'moved 1 grant from config.json to secrets.json',
        }),
      );
      const client = await connectClient(runtime, 'meatspace', LEGACY_TOKEN);
      expect(await statusCallWorks(client)).toBe(true);
      await client.close();
      expect(await apiCall(runtime, 'grants.list', {})).toMatchObject({
        grants: [{ name: 'laptop', created: '2025-01-01T00:00:00.000Z' }],
      });
      expect(runtime.settings().approvalTimeoutMs).toBe(90_000);
    } finally {
      await runtime.close();
    }
  });

  it('an older data folder is moved by `airlock grants list`, whose output stays the same', () => {
    const dir = legacyDataDir();
    const listed = airlockCli(['grants', 'list', '--data-dir', dir]);
    expect(listed).toEqual({
      code: 0,
      stdout: 'laptop\t2025-01-01T00:00:00.000Z\n',
      stderr: 'airlock: moved 1 grant from config.json to secrets.json\n',
    });
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(migratedConfigText());
    // Moved once; the next command just reads.
    expect(airlockCli(['grants', 'list', '--data-dir', dir])).toEqual({
      code: 0,
      stdout: 'laptop\t2025-01-01T00:00:00.000Z\n',
      stderr: '',
    });
  });

  it('a config.json with "grants" pasted from a backup later neither brings back a revoked grant nor adds one', async () => {
    const dir = legacyDataDir();
    expect(airlockCli(['grants', 'revoke', 'laptop', '--data-dir', dir])).toMatchObject({
      code: 0,
      stdout: 'Revoked grant "laptop".\n',
    });
    const kept = airlockCli(['grants', 'add', 'desk', '--data-dir', dir])
      .stdout.trim()
      .split('\n')
      .at(-1)!;
    const backup = legacyConfigText().replace(
      '"grants": {',
      '"grants": { "made-up": { "created": "2025-02-02T00:00:00.000Z" },',
    );
    writeFileSync(join(dir, 'config.json'), backup);

    const logger = recordingLogger();
    const runtime = await startAirlock(dir, logger);
    try {
      expect(logger.lines).toContainEqual(
        expect.objectContaining({ level: 'warn', message: expect.stringMatching(/ignores/) }),
      );
      expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(backup);
      await expect(connectClient(runtime, 'meatspace', LEGACY_TOKEN)).rejects.toThrow(
        /Unauthorized|401/,
      );
      const client = await connectClient(runtime, 'meatspace', kept);
      expect(await statusCallWorks(client)).toBe(true);
      await client.close();
      expect((await apiCall(runtime, 'grants.list', {})).grants.map((g) => g.name)).toEqual([
        'desk',
      ]);
    } finally {
      await runtime.close();
    }
    expect(airlockCli(['grants', 'list', '--data-dir', dir]).stdout).toMatch(/^desk\t[^\n]+\n$/);
  });
});
