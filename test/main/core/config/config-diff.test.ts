// diffServers and diffSettings: what a config.json read from disk changes against the config in
// force, so an entry already in force (Airlock wrote it) is no change at all.
import { describe, expect, it } from 'vitest';
import { diffServers, diffSettings } from '../../../../src/main/core/config/config-diff';
import { parseConfig } from '../../../../src/main/core/config/parse-config';
import { parseServerEntry } from '../../../../src/main/core/config/server-entry';
import {
  DEFAULT_SETTINGS,
  type ServerConfig,
  type Settings,
} from '../../../../src/main/core/config/types';

function stdio(id: string, args: string[] = []): ServerConfig {
  return { id, transport: 'stdio', command: 'node', args, env: {} };
}

describe('diffServers', () => {
  it('finds added, changed and removed entries and leaves equal ones alone', () => {
    const inForce = new Map([
      ['same', stdio('same')],
      ['moved', stdio('moved', ['a.js'])],
      ['gone', stdio('gone')],
    ]);
    const changes = diffServers(inForce, [stdio('same'), stdio('moved', ['b.js']), stdio('new')]);
    expect(changes).toEqual({
      added: [stdio('new')],
      changed: [stdio('moved', ['b.js'])],
      removed: ['gone'],
    });
  });

  it('sees the entry the app saved as equal to the same entry read back from the file', () => {
    const entry = { url: 'https://x.example/mcp', headers: { b: '2', a: '1' }, type: 'http' };
    const saved = parseServerEntry('remote', entry);
    if (!saved.ok) throw new Error('entry should parse');
    // The file lists the keys in another order and names the transport differently.
    const file = parseConfig(
      JSON.stringify({
        mcpServers: {
          remote: { headers: { a: '1', b: '2' }, transport: 'streamable-http', url: entry.url },
        },
      }),
    );
    if (!file.ok) throw new Error('file should parse');
    // Plain values and no references: the entry as the file lists it is the one served.
    const fromFile = file.value.servers as ServerConfig[];
    expect(diffServers(new Map([['remote', saved.value]]), fromFile)).toEqual({
      added: [],
      changed: [],
      removed: [],
    });
  });
});

describe('diffSettings', () => {
  const settings = (overrides: Partial<Settings> = {}): Settings => ({
    ...DEFAULT_SETTINGS,
    redaction: { patterns: [], fields: [] },
    ...overrides,
  });

  it('is empty when nothing differs', () => {
    expect(diffSettings(settings(), settings())).toEqual({ changed: {}, nextStart: {} });
  });

  it('puts live settings and the saved port in force, and keeps start-only ones for the next start', () => {
    const next = settings({
      approvalTimeoutMs: 45_000,
      notifications: false,
      redaction: { patterns: ['sk-[a-z]+'], fields: [] },
      port: 9000,
      maxBodyBytes: 1 << 20,
      upstreamTimeoutMs: 5_000,
    });
    expect(diffSettings(settings(), next)).toEqual({
      changed: {
        approvalTimeoutMs: 45_000,
        notifications: false,
        redaction: { patterns: ['sk-[a-z]+'], fields: [] },
        port: 9000,
      },
      nextStart: { maxBodyBytes: 1 << 20, upstreamTimeoutMs: 5_000 },
    });
  });
});
