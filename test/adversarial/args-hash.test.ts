// Finding 11: the history keeps a hash of each call's real arguments. Unsalted, it gave a short
// secret away (hash every 4-digit PIN and compare) even though the arguments themselves are
// redacted. It is now an HMAC under a random per-install key kept in secrets.json.
import { createHmac, hash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeatspaceHttp, type MeatspaceHttp } from '../fixtures/meatspace-server';
import {
  addGrant,
  apiCall,
  connectClient,
  makeDataDir,
  removeDataDir,
  startAirlock,
} from '../helpers/airlock-harness';
import { canonicalJson } from '../../src/main/core/calls/canonical-json';

const ARGS = { name: 'card', email: 'a@example.com', pin: '4821' };

let upstream: MeatspaceHttp;
const dataDirs: string[] = [];

beforeAll(async () => {
  upstream = await startMeatspaceHttp();
});

afterAll(async () => {
  await upstream?.close();
  for (const dir of dataDirs) removeDataDir(dir);
});

function dataDir(): string {
  const dir = makeDataDir(
    {
      mcpServers: { meatspace: { url: upstream.url } },
      // The PIN is redacted wherever the arguments are stored or shown.
      settings: { redaction: { fields: ['pin'] } },
    },
    {
      meatspace: {
        version: '1',
        default: 'deny',
        tools: { provision_api_key: { action: 'deny', reason: 'not today' } },
      },
    },
  );
  dataDirs.push(dir);
  return dir;
}

/** Starts Airlock on the folder, makes the call once and returns its history row. */
async function recordCall(dir: string, token: string) {
  const runtime = await startAirlock(dir);
  try {
    const client = await connectClient(runtime, 'meatspace', token);
    await client.callTool({ name: 'provision_api_key', arguments: ARGS });
    await client.close();
    const { calls } = await apiCall(runtime, 'history.query', { tool: 'provision_api_key' });
    return calls[0]!;
  } finally {
    await runtime.close();
  }
}

describe('the hash of a call’s arguments in the history', () => {
  it('does not give away a 4-digit PIN to someone who hashes all 10,000, and is the HMAC under the key in secrets.json', async () => {
    const dir = dataDir();
    const row = await recordCall(dir, addGrant(dir, 'agent'));
    expect(row.args).not.toContain('4821');

    const found: string[] = [];
    for (let n = 0; n < 10_000; n++) {
      const pin = String(n).padStart(4, '0');
      if (unkeyedHash({ ...ARGS, pin }) === row.argsHash) found.push(pin);
    }
    expect(found).toEqual([]);

    const secrets = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8'));
    expect(secrets.argsHashKey).toMatch(/^[0-9a-f]{64}$/);
    if (process.platform !== 'win32') {
      expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    }
    const key = Buffer.from(secrets.argsHashKey as string, 'hex');
    expect(row.argsHash).toBe(createHmac('sha256', key).update(canonicalJson(ARGS)).digest('hex'));
  });

  it('stays the same across a restart, and differs in another data folder', async () => {
    const dir = dataDir();
    const token = addGrant(dir, 'agent');
    const first = await recordCall(dir, token);
    const afterRestart = await recordCall(dir, token);
    expect(afterRestart.id).not.toBe(first.id);
    expect(afterRestart.argsHash).toBe(first.argsHash);

    const other = dataDir();
    const elsewhere = await recordCall(other, addGrant(other, 'agent'));
    expect(elsewhere.argsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(elsewhere.argsHash).not.toBe(first.argsHash);
  });
});

/** The argument hash as history rows kept it before it was keyed. */
function unkeyedHash(value: unknown): string {
  return hash('sha256', canonicalJson(value), 'hex');
}
