// Protect and Unprotect against in-memory ports: which servers are imported under which id, what a
// client's file becomes, what is undone when a step fails, and when Unprotect refuses.
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../../src/main/core/api/server-handlers';
import type { ClientFileSpec } from '../../../../src/main/core/clients/client-file';
import {
  createClientProtection,
  serverKey,
  type ClientFilesPort,
  type FileRead,
} from '../../../../src/main/core/clients/protection';
import type { ProtectionRecord } from '../../../../src/main/core/clients/records';
import type { ServerConfig } from '../../../../src/main/core/config/types';
import { silentLogger } from '../../../../src/main/core/ports';
import type { BridgeInfo } from '../../../../src/shared/mcp-clients';
import { ApiError } from '../../../../src/shared/api-error';

const HOME = '/home/me';
const CURSOR_FILE = `${HOME}/.cursor/mcp.json`;
const DESKTOP_FILE = `${HOME}/.config/Claude/claude_desktop_config.json`;
const CLAUDE_FILE = `${HOME}/.claude.json`;
const WINDSURF_FILE = `${HOME}/.codeium/windsurf/mcp_config.json`;

const SPECS: ClientFileSpec[] = [
  { client: 'cursor', path: CURSOR_FILE, label: 'global mcp.json', layout: 'mcpServers' },
  { client: 'claude-desktop', path: DESKTOP_FILE, label: 'config', layout: 'mcpServers' },
  { client: 'claude-code', path: CLAUDE_FILE, label: 'user', layout: 'claude-code-user' },
  { client: 'windsurf', path: WINDSURF_FILE, label: 'config', layout: 'mcpServers' },
];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class MemoryFiles implements ClientFilesPort {
  readonly files = new Map<string, Uint8Array>();
  failWrites = false;
  locations = () => SPECS;
  claudeCodeProject = (dir: string): ClientFileSpec => ({
    client: 'claude-code',
    path: `${dir}/.mcp.json`,
    label: `project ${dir}`,
    layout: 'mcpServers',
    cwd: dir,
  });
  read = (path: string): FileRead => {
    const bytes = this.files.get(path);
    return bytes === undefined ? { ok: true, missing: true } : { ok: true, bytes };
  };
  write = (path: string, bytes: Uint8Array) => {
    if (this.failWrites) throw new Error('disk full');
    this.files.set(path, bytes);
  };
  backupName = (path: string) => {
    let name = `${path}.airlock-backup`;
    for (let n = 2; this.files.has(name); n++) name = `${path}.airlock-backup-${n}`;
    return name;
  };
  backup = (path: string, bytes: Uint8Array) => {
    const name = this.backupName(path);
    this.files.set(name, bytes);
    return name;
  };
  readBackup = (path: string) => this.files.get(path);
  removeBackup = (path: string) => void this.files.delete(path);

  put(path: string, text: string) {
    this.files.set(path, encoder.encode(text));
  }
  text(path: string) {
    const bytes = this.files.get(path);
    return bytes === undefined ? undefined : decoder.decode(bytes);
  }
}

function setup(options: { bridge?: BridgeInfo } = {}) {
  const files = new MemoryFiles();
  let records: ProtectionRecord[] = [];
  const upstreams = new Map<string, ServerConfig>();
  const grants = new Map<string, string>();
  const policies = new Map<string, string>();
  const tools: Record<string, ProbeResult> = {};
  let tokens = 0;
  const protection = createClientProtection({
    files,
    records: { load: () => records, save: (next) => void (records = [...next]) },
    upstreams: {
      list: () => [...upstreams.values()],
      listed: (id) => upstreams.has(id),
      add: (server) => void upstreams.set(server.id, server),
      remove: (id) => void upstreams.delete(id),
    },
    grants: {
      exists: (name) => grants.has(name),
      add: (name) => {
        const token = `alk_token${++tokens}`;
        grants.set(name, token);
        return { name, token };
      },
      revoke: (name) => grants.delete(name),
    },
    policies: {
      read: (server) => policies.get(server),
      write: (server, text) => void policies.set(server, text),
      remove: (server) => void policies.delete(server),
    },
    probe: async (server) =>
      tools[server.id] ?? { ok: false, error: 'connection refused', elapsedMs: 1 },
    endpoint: (id) => `http://127.0.0.1:7820/mcp/${id}`,
    port: () => 7820,
    bridge: () =>
      options.bridge ?? {
        ok: true,
        command: '/usr/bin/node',
        args: ['/opt/airlock/bin/airlock.js'],
        dataDir: '/data',
      },
    clock: { now: () => Date.UTC(2026, 0, 2) },
    logger: silentLogger,
  });
  return {
    files,
    protection,
    upstreams,
    grants,
    policies,
    tools,
    records: () => records,
  };
}

const MEATSPACE = { command: 'node', args: ['meatspace.js'], env: { API_KEY: 'hitl_secret' } };
const CURSOR_TEXT = `{
  // mine
  "mcpServers": {
    "meatspace": ${JSON.stringify({ ...MEATSPACE, disabled: false })},
    "docs": { "url": "https://docs.example/mcp" },
    "vars": { "command": "npx", "env": { "T": "\${env:T}" } }
  }
}
`;
const MEATSPACE_TOOLS: ProbeResult = {
  ok: true,
  serverInfo: { name: 'meatspace', version: '1' },
  elapsedMs: 1,
  tools: [
    { name: 'get_service_status', annotations: { readOnlyHint: true } } as never,
    { name: 'provision_api_key', annotations: { readOnlyHint: false } } as never,
  ],
};

async function refusal(work: () => unknown): Promise<ApiError> {
  try {
    await work();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Protect', () => {
  it('imports the servers, makes one grant and rewrites the entries after a backup', async () => {
    const { files, protection, upstreams, grants, policies, tools, records } = setup();
    files.put(CURSOR_FILE, CURSOR_TEXT);
    tools['meatspace'] = MEATSPACE_TOOLS;

    const plan = protection.preview('cursor');
    expect(plan.grant).toBe('cursor');
    expect(plan.servers.map((s) => [s.name, s.id, s.reused])).toEqual([
      ['meatspace', 'meatspace', false],
      ['docs', 'docs', false],
    ]);
    expect(plan.skipped).toEqual([
      expect.objectContaining({ name: 'vars', reason: expect.stringMatching(/\$\{env:T\}/) }),
    ]);
    // What will change is shown before it changes, with the client's secrets masked.
    const change = plan.files[0]!.changes[0]!;
    expect(change.before).not.toContain('hitl_secret');
    expect(JSON.parse(change.after)).toEqual({
      url: 'http://127.0.0.1:7820/mcp/meatspace',
      headers: { Authorization: 'Bearer <the new token of grant cursor>' },
      disabled: false,
    });
    expect(files.text(CURSOR_FILE)).toBe(CURSOR_TEXT);

    const result = await protection.protect('cursor', undefined, plan.basis);
    const token = grants.get('cursor')!;
    expect(token).toMatch(/^alk_/);
    expect(upstreams.get('meatspace')).toEqual({
      id: 'meatspace',
      transport: 'stdio',
      command: 'node',
      args: ['meatspace.js'],
      env: { API_KEY: 'hitl_secret' },
    });
    expect(upstreams.get('docs')).toMatchObject({
      transport: 'http',
      url: 'https://docs.example/mcp',
    });
    expect(JSON.parse(policies.get('meatspace')!)).toMatchObject({
      default: 'require_approval',
      tools: { get_service_status: { action: 'allow' } },
    });
    expect(result.servers).toEqual([
      expect.objectContaining({
        id: 'meatspace',
        policy: 'written',
        allowed: ['get_service_status'],
        needsApproval: ['provision_api_key'],
      }),
      expect.objectContaining({
        id: 'docs',
        policy: 'written',
        allowed: [],
        problem: expect.stringMatching(/could not list its tools \(connection refused\)/),
      }),
    ]);

    const rewritten = files.text(CURSOR_FILE)!;
    expect(rewritten).toContain('// mine');
    expect(rewritten).not.toContain('hitl_secret');
    expect(rewritten).toContain('"vars": { "command": "npx", "env": { "T": "${env:T}" } }');
    expect(JSON.parse(rewritten.replace('// mine', '')).mcpServers.docs).toEqual({
      url: 'http://127.0.0.1:7820/mcp/docs',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(files.text(`${CURSOR_FILE}.airlock-backup`)).toBe(CURSOR_TEXT);
    expect(result.files).toEqual([{ path: CURSOR_FILE, backup: `${CURSOR_FILE}.airlock-backup` }]);
    // No token in what Airlock keeps about it.
    expect(JSON.stringify(records())).not.toContain(token);
    expect(result.client.protection).toMatchObject({
      grant: 'cursor',
      imported: ['meatspace', 'docs'],
    });
    expect(result.client.files[0]!.servers.map((s) => s.status)).toEqual([
      'protected',
      'protected',
      'cannot-import',
    ]);
  });

  it('protects only the chosen servers', async () => {
    const { files, protection, upstreams } = setup();
    files.put(CURSOR_FILE, CURSOR_TEXT);
    const key = serverKey(CURSOR_FILE, ['mcpServers', 'docs']);
    const plan = protection.preview('cursor', [key]);
    expect(plan.servers.map((s) => s.id)).toEqual(['docs']);
    expect(plan.skipped.map((s) => [s.name, s.reason])).toContainEqual(['meatspace', 'not chosen']);
    await protection.protect('cursor', [key]);
    expect([...upstreams.keys()]).toEqual(['docs']);
    expect(files.text(CURSOR_FILE)).toContain(JSON.stringify({ ...MEATSPACE, disabled: false }));
  });

  it('keeps ids and names that are taken, and reuses a server Airlock has already', async () => {
    const { files, protection, upstreams, grants, policies } = setup();
    files.put(CURSOR_FILE, CURSOR_TEXT);
    // Airlock serves another "docs", and the very same meatspace under its own id.
    upstreams.set('docs', { id: 'docs', transport: 'http', url: 'https://other/mcp', headers: {} });
    upstreams.set('ms', { id: 'ms', transport: 'stdio', ...MEATSPACE });
    policies.set('ms', '{"version": "1"}');
    grants.set('cursor', 'alk_someone_else');

    const plan = protection.preview('cursor');
    expect(plan.grant).toBe('cursor-2');
    expect(plan.servers.map((s) => [s.name, s.id, s.reused])).toEqual([
      ['meatspace', 'ms', true],
      ['docs', 'docs-2', false],
    ]);
    const result = await protection.protect('cursor');
    expect(upstreams.get('docs')!).toMatchObject({ url: 'https://other/mcp' });
    expect(upstreams.get('docs-2')!).toMatchObject({ url: 'https://docs.example/mcp' });
    expect(policies.get('ms')).toBe('{"version": "1"}');
    expect(result.servers[0]).toMatchObject({ id: 'ms', reused: true, policy: 'kept' });
    expect(result.client.protection).toMatchObject({ imported: ['docs-2'], reused: ['ms'] });
  });

  it('never starts a new server under a policy file left from another server of its name', async () => {
    const { files, protection, policies } = setup();
    files.put(CURSOR_FILE, CURSOR_TEXT);
    policies.set('meatspace', '{"version": "1", "default": "allow"}');
    const result = await protection.protect('cursor');
    expect(result.servers[0]).toMatchObject({
      name: 'meatspace',
      id: 'meatspace-2',
      policy: 'written',
    });
    expect(policies.get('meatspace')).toBe('{"version": "1", "default": "allow"}');
  });

  it('gives a stdio-only client the bridge of this install, or says why it cannot', async () => {
    const { files, protection } = setup();
    files.put(DESKTOP_FILE, JSON.stringify({ mcpServers: { meatspace: MEATSPACE } }, null, 2));
    await protection.protect('claude-desktop');
    const written = JSON.parse(files.text(DESKTOP_FILE)!);
    expect(written.mcpServers.meatspace).toEqual({
      command: '/usr/bin/node',
      args: ['/opt/airlock/bin/airlock.js', 'connect', 'meatspace', '--data-dir', '/data'],
      env: { AIRLOCK_TOKEN: expect.stringMatching(/^alk_/) },
    });

    const packaged = setup({ bridge: { ok: false, reason: 'no bridge in the packaged app' } });
    packaged.files.put(DESKTOP_FILE, JSON.stringify({ mcpServers: { meatspace: MEATSPACE } }));
    expect(packaged.protection.detect()[0]!.cannotProtect).toBe('no bridge in the packaged app');
    const error = await refusal(() => packaged.protection.protect('claude-desktop'));
    expect(error.message).toBe('no bridge in the packaged app');
  });

  it('refuses when the file changed since the preview, changing nothing', async () => {
    const { files, protection, upstreams, grants } = setup();
    files.put(CURSOR_FILE, CURSOR_TEXT);
    const plan = protection.preview('cursor');
    files.put(CURSOR_FILE, CURSOR_TEXT.replace('docs', 'documents'));
    const error = await refusal(() => protection.protect('cursor', undefined, plan.basis));
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(/changed since the preview/);
    expect(upstreams.size).toBe(0);
    expect(grants.size).toBe(0);
  });

  it('undoes every step when one fails: no grant, no server, no backup, the file as it was', async () => {
    const { files, protection, upstreams, grants, records } = setup();
    files.put(CURSOR_FILE, CURSOR_TEXT);
    files.failWrites = true;
    await expect(protection.protect('cursor')).rejects.toThrow('disk full');
    expect(grants.size).toBe(0);
    expect(upstreams.size).toBe(0);
    expect(files.text(`${CURSOR_FILE}.airlock-backup`)).toBeUndefined();
    expect(files.text(CURSOR_FILE)).toBe(CURSOR_TEXT);
    expect(records()).toEqual([]);
  });

  it('leaves a file it cannot parse untouched, saying why', async () => {
    const { files, protection } = setup();
    const broken = '{ "mcpServers": { "meatspace": { "command": "node" } ';
    files.put(WINDSURF_FILE, broken);
    const windsurf = protection.detect().find((c) => c.id === 'windsurf')!;
    expect(windsurf.files[0]!.problem).toMatch(
      /^Airlock cannot parse it, so it leaves it untouched: it has a syntax error at line 1/,
    );
    expect(windsurf.cannotProtect).toMatch(/no server that Airlock could put itself in front of/);
    const error = await refusal(() => protection.protect('windsurf'));
    expect(error.message).toMatch(/^Nothing to protect/);
    expect(files.text(WINDSURF_FILE)).toBe(broken);
  });

  it('finds Claude Code’s projects, and starts their servers in the project’s folder', async () => {
    const { files, protection, upstreams } = setup();
    files.put(
      CLAUDE_FILE,
      JSON.stringify({
        numStartups: 3,
        mcpServers: { memory: { type: 'stdio', command: 'npx', args: ['memory'] } },
        projects: {
          '/home/me/app': {
            mcpServers: { db: { command: './db-server' } },
            enabledMcpjsonServers: ['lint'],
          },
        },
      }),
    );
    files.put(
      '/home/me/app/.mcp.json',
      JSON.stringify({ mcpServers: { lint: { command: 'lint' } } }),
    );
    const plan = protection.preview('claude-code');
    expect(plan.files.map((f) => f.path)).toEqual([CLAUDE_FILE, '/home/me/app/.mcp.json']);
    expect(plan.notes.join('\n')).toMatch(/\/home\/me\/app\/\.mcp\.json is often committed/);
    await protection.protect('claude-code');
    expect(upstreams.get('db')).toMatchObject({ cwd: '/home/me/app' });
    expect(upstreams.get('lint')).toMatchObject({ cwd: '/home/me/app' });
    expect(upstreams.get('memory')).not.toHaveProperty('cwd');
    const user = JSON.parse(files.text(CLAUDE_FILE)!);
    expect(user.numStartups).toBe(3);
    expect(user.projects['/home/me/app'].mcpServers.db).toMatchObject({
      type: 'http',
      url: 'http://127.0.0.1:7820/mcp/db',
    });
  });

  it('imports no server of a project’s .mcp.json that the person has not approved in Claude Code', async () => {
    const { files, protection, upstreams } = setup();
    const project = (settings: Record<string, unknown>) =>
      JSON.stringify({ projects: { '/home/me/repo': settings } });
    files.put(
      '/home/me/repo/.mcp.json',
      JSON.stringify({
        mcpServers: {
          approved: { command: 'ok' },
          disabled: { command: 'sh', args: ['-c', 'touch /tmp/pwned'] },
          unknown: { command: 'sh', args: ['-c', 'touch /tmp/pwned'] },
        },
      }),
    );
    files.put(
      CLAUDE_FILE,
      project({ enabledMcpjsonServers: ['approved'], disabledMcpjsonServers: ['disabled'] }),
    );
    const shown = protection.detect().find((client) => client.id === 'claude-code')!;
    const servers = shown.files.find((f) => f.path === '/home/me/repo/.mcp.json')!.servers;
    expect(servers.map((s) => [s.name, s.status, s.note])).toEqual([
      ['approved', 'direct', undefined],
      ['disabled', 'cannot-import', 'Claude Code has it disabled for this project'],
      ['unknown', 'cannot-import', expect.stringMatching(/^Claude Code has not approved it/)],
    ]);
    const plan = protection.preview('claude-code');
    expect(plan.skipped.map((s) => s.name).sort()).toEqual(['disabled', 'unknown']);

    // Approving every project server in Claude Code approves these too, except a disabled one.
    const approvals = files.text(CLAUDE_FILE)!;
    files.put(
      CLAUDE_FILE,
      project({ enableAllProjectMcpServers: true, disabledMcpjsonServers: ['disabled'] }),
    );
    expect(protection.preview('claude-code').skipped.map((s) => s.name)).toEqual(['disabled']);

    // Protect starts only what was approved (importing a server lists its tools).
    files.put(CLAUDE_FILE, approvals);
    await protection.protect('claude-code');
    expect([...upstreams.keys()]).toEqual(['approved']);
  });

  it('refuses to protect a client twice', async () => {
    const { files, protection } = setup();
    files.put(CURSOR_FILE, CURSOR_TEXT);
    await protection.protect('cursor');
    const error = await refusal(() => protection.protect('cursor'));
    expect(error.message).toMatch(/protected already; Unprotect it first/);
  });
});

describe('Unprotect', () => {
  async function protectedCursor() {
    const context = setup();
    context.files.put(CURSOR_FILE, CURSOR_TEXT);
    await context.protection.protect('cursor');
    return context;
  }

  it('puts the original bytes back, revokes the grant and removes the imported servers', async () => {
    const { files, protection, upstreams, grants, records, policies } = await protectedCursor();
    expect([...policies.keys()]).toEqual(['meatspace', 'docs']);
    const result = protection.unprotect('cursor');
    // With the default policies Protect wrote: the next server of that name starts afresh.
    expect(policies.size).toBe(0);
    expect(files.text(CURSOR_FILE)).toBe(CURSOR_TEXT);
    expect(result.restored).toEqual([{ path: CURSOR_FILE, how: 'bytes' }]);
    expect(grants.size).toBe(0);
    expect(upstreams.size).toBe(0);
    expect(result.removed).toEqual(['meatspace', 'docs']);
    expect(files.text(`${CURSOR_FILE}.airlock-backup`)).toBeUndefined();
    expect(records()).toEqual([]);
    expect(result.client.protection).toBeUndefined();
  });

  it('refuses, changing nothing, when the person changed what Airlock wrote', async () => {
    const { files, protection, upstreams, grants, records } = await protectedCursor();
    const edited = files.text(CURSOR_FILE)!.replace('/mcp/docs', '/mcp/documents');
    files.put(CURSOR_FILE, edited);
    const before = protection.detect().find((c) => c.id === 'cursor')!;
    expect(before.files[0]!.changedSince).toBe(true);
    const error = await refusal(() => protection.unprotect('cursor'));
    expect(error.code).toBe('conflict');
    expect(error.message).toBe(
      `${CURSOR_FILE} was changed since Airlock protected it: the entry for "docs" is not what Airlock wrote. Put the file back by hand from ${CURSOR_FILE}.airlock-backup. Nothing was changed.`,
    );
    expect(files.text(CURSOR_FILE)).toBe(edited);
    expect(grants.size).toBe(1);
    expect(upstreams.size).toBe(2);
    expect(records()).toHaveLength(1);
  });

  it('keeps the person’s other changes when only the rest of the file changed', async () => {
    const { files, protection } = await protectedCursor();
    // As a client that rewrites its own file does: reformatted, a key added.
    const current = JSON.parse(files.text(CURSOR_FILE)!.replace('// mine', ''));
    current.mcpServers.added = { command: 'new-server' };
    files.put(CURSOR_FILE, JSON.stringify(current, null, 4));
    const result = protection.unprotect('cursor');
    expect(result.restored).toEqual([{ path: CURSOR_FILE, how: 'entries' }]);
    const restored = JSON.parse(files.text(CURSOR_FILE)!);
    expect(restored.mcpServers).toEqual({
      meatspace: { ...MEATSPACE, disabled: false },
      docs: { url: 'https://docs.example/mcp' },
      vars: { command: 'npx', env: { T: '${env:T}' } },
      added: { command: 'new-server' },
    });
    expect(result.notes.join(' ')).toMatch(/only the servers Airlock rewrote were put back/);
  });

  it('keeps a policy the person edited, and says so', async () => {
    const { protection, policies } = await protectedCursor();
    policies.set('docs', '{"version": "1", "default": "allow"}');
    const result = protection.unprotect('cursor');
    expect([...policies.keys()]).toEqual(['docs']);
    expect(result.notes).toContain(
      'The policy of docs was edited since Protect wrote it, so it stays.',
    );
  });

  it('refuses when the backup is gone', async () => {
    const { files, protection } = await protectedCursor();
    files.removeBackup(`${CURSOR_FILE}.airlock-backup`);
    const error = await refusal(() => protection.unprotect('cursor'));
    expect(error.message).toMatch(/backup .* is missing or was changed/);
  });

  it('keeps a server another protected client reaches, until that one is unprotected too', async () => {
    const { files, protection, upstreams } = await protectedCursor();
    files.put(WINDSURF_FILE, JSON.stringify({ mcpServers: { meatspace: MEATSPACE } }));
    const windsurf = await protection.protect('windsurf');
    expect(windsurf.servers[0]).toMatchObject({ id: 'meatspace', reused: true });

    const first = protection.unprotect('cursor');
    expect(first.kept).toEqual(['meatspace']);
    expect(first.removed).toEqual(['docs']);
    expect(upstreams.has('meatspace')).toBe(true);

    const second = protection.unprotect('windsurf');
    expect(second.removed).toEqual(['meatspace']);
    expect(upstreams.size).toBe(0);
  });

  it('says when the grant was revoked meanwhile, and still puts the file back', async () => {
    const { protection, grants, files } = await protectedCursor();
    grants.delete('cursor');
    expect(protection.detect().find((c) => c.id === 'cursor')!.protection!.problem).toMatch(
      /grant cursor was revoked, so Cursor cannot connect/,
    );
    const result = protection.unprotect('cursor');
    expect(result.notes).toContain('Grant cursor was revoked already.');
    expect(files.text(CURSOR_FILE)).toBe(CURSOR_TEXT);
  });
});
