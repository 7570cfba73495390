// @vitest-environment happy-dom
// Clients, "On this machine": the clients found, Protect's preview of what will change (before it
// changes), the choice of servers, Protect and Unprotect with what they did or why they refused.
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientsScreen } from '../../../../src/renderer/src/features/clients/clients-screen';
import { createClientsStore } from '../../../../src/renderer/src/features/clients/clients-store';
import { ApiError } from '../../../../src/renderer/src/api/api-client';
import type {
  ClientOnMachine,
  ProtectPlan,
  ProtectResult,
  ServerInfo,
} from '../../../../src/shared/contract';
import { FakeApi } from '../../helpers/fake-api';

const CURSOR_FILE = '/home/me/.cursor/mcp.json';
const KEY_MEATSPACE = JSON.stringify([CURSOR_FILE, 'mcpServers', 'meatspace']);
const KEY_DOCS = JSON.stringify([CURSOR_FILE, 'mcpServers', 'docs']);

const SERVER: ServerInfo = {
  id: 'meatspace',
  transport: 'stdio',
  target: 'node meatspace.js',
  endpoint: 'http://127.0.0.1:7820/mcp/meatspace',
  state: 'idle',
  sessions: 0,
  policy: { server: 'meatspace', file: 'policies/meatspace.json', errors: [] },
};

function cursor(overrides: Partial<ClientOnMachine> = {}): ClientOnMachine {
  return {
    id: 'cursor',
    name: 'Cursor',
    via: 'http',
    files: [
      {
        path: CURSOR_FILE,
        label: 'global mcp.json',
        exists: true,
        servers: [
          {
            key: KEY_MEATSPACE,
            name: 'meatspace',
            transport: 'stdio',
            target: 'node meatspace.js',
            status: 'direct',
          },
          {
            key: KEY_DOCS,
            name: 'docs',
            transport: 'http',
            target: 'https://docs.example/mcp',
            status: 'direct',
          },
          {
            key: JSON.stringify([CURSOR_FILE, 'mcpServers', 'vars']),
            name: 'vars',
            transport: 'stdio',
            target: 'npx',
            status: 'cannot-import',
            note: 'it uses ${env:T}, which Cursor fills in',
          },
        ],
      },
    ],
    ...overrides,
  };
}

const DESKTOP: ClientOnMachine = {
  id: 'claude-desktop',
  name: 'Claude Desktop',
  via: 'bridge',
  files: [
    {
      // A path from disk, with a bidirectional control that must not reorder what follows.
      path: '/home/me/.config/Claude\u202e/claude_desktop_config.json',
      label: 'claude_desktop_config.json',
      exists: true,
      backup: '/home/me/.config/Claude/claude_desktop_config.json.airlock-backup',
      changedSince: false,
      servers: [
        {
          key: 'k',
          name: 'meatspace',
          transport: 'stdio',
          target: '/usr/bin/node airlock.js connect meatspace',
          status: 'protected',
          note: 'through Airlock as meatspace',
        },
      ],
    },
  ],
  protection: {
    grant: 'claude-desktop',
    protectedAt: '2026-01-02T00:00:00.000Z',
    imported: ['meatspace'],
    reused: [],
  },
  cannotProtect: 'Claude Desktop is protected already.',
};

const WINDSURF: ClientOnMachine = {
  id: 'windsurf',
  name: 'Windsurf',
  via: 'http',
  files: [
    { path: '/home/me/.codeium/windsurf/mcp_config.json', label: 'x', exists: false, servers: [] },
  ],
  cannotProtect: 'No config of Windsurf was found on this machine.',
};

function plan(chosen: string[] = [KEY_MEATSPACE, KEY_DOCS]): ProtectPlan {
  const servers = [
    { key: KEY_MEATSPACE, name: 'meatspace', id: 'meatspace-2', reused: false },
    { key: KEY_DOCS, name: 'docs', id: 'docs', reused: false },
  ].filter((s) => chosen.includes(s.key));
  return {
    client: 'cursor',
    grant: 'cursor',
    basis: `basis-${chosen.length}`,
    files:
      servers.length === 0
        ? []
        : [
            {
              path: CURSOR_FILE,
              label: 'global mcp.json',
              backup: `${CURSOR_FILE}.airlock-backup`,
              changes: servers.map((s) => ({
                name: s.name,
                before: `{ "command": "node", "env": { "KEY": "***" } }`,
                after: `{ "url": "http://127.0.0.1:7820/mcp/${s.id}" }`,
              })),
            },
          ],
    servers,
    skipped: [{ key: 'v', name: 'vars', reason: 'it uses ${env:T}, which Cursor fills in' }],
    notes: ['Restart Cursor, or refresh its MCP servers in Cursor Settings.'],
  };
}

function setup(clients: ClientOnMachine[] = [cursor(), DESKTOP, WINDSURF]) {
  let onMachine = clients;
  const api = new FakeApi()
    .handle('grants.list', () => ({ grants: [], temporary: [] }))
    .handle('servers.list', () => ({ servers: [SERVER] }))
    .handle('clients.detect', () => ({
      clients: onMachine,
      bridge: {
        ok: true,
        command: '/usr/bin/node',
        args: ['/opt/airlock/bin/airlock.js'],
        dataDir: '/data',
      },
    }))
    .handle('clients.preview', ({ servers }) => plan(servers))
    .handle('clients.protect', () => {
      const result: ProtectResult = {
        client: cursor({
          protection: {
            grant: 'cursor',
            protectedAt: 'now',
            imported: ['meatspace-2'],
            reused: [],
          },
        }),
        grant: 'cursor',
        servers: [
          {
            id: 'meatspace-2',
            name: 'meatspace',
            reused: false,
            policy: 'written',
            allowed: ['get_service_status'],
            needsApproval: ['provision_api_key'],
          },
        ],
        files: [{ path: CURSOR_FILE, backup: `${CURSOR_FILE}.airlock-backup` }],
        notes: ['Restart Cursor, or refresh its MCP servers in Cursor Settings.'],
      };
      onMachine = [result.client, DESKTOP, WINDSURF];
      return result;
    });
  const store = createClientsStore(api);
  render(<ClientsScreen store={store} />);
  return { api, store };
}

afterEach(cleanup);

describe('On this machine', () => {
  it('lists the clients found with their servers, and those not found in a line', async () => {
    setup();
    const row = await screen.findByRole('listitem', { name: 'Cursor on this machine' });
    expect(within(row).getByText('Not protected')).toBeTruthy();
    expect(within(row).getByText(CURSOR_FILE)).toBeTruthy();
    expect(within(row).getByText('it uses ${env:T}, which Cursor fills in')).toBeTruthy();
    const desktop = screen.getByRole('listitem', { name: 'Claude Desktop on this machine' });
    expect(within(desktop).getByText('Protected · grant claude-desktop')).toBeTruthy();
    expect(within(desktop).getByText(/Claude\\u202e/)).toBeTruthy();
    expect(screen.getByText(/Not found: Windsurf/)).toBeTruthy();
    expect(screen.queryByRole('listitem', { name: 'Windsurf on this machine' })).toBeNull();
  });

  it('gives a new grant one configuration per client, the bridge by this install’s real path', async () => {
    const { api } = setup();
    api.handle('grants.add', ({ name }) => ({ name, token: 'alk_new_token' }));
    const user = userEvent.setup();
    await screen.findByRole('listitem', { name: 'Cursor on this machine' });
    await user.type(screen.getByLabelText('New client'), 'laptop');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    const desktop = await screen.findByLabelText('Claude Desktop (stdio bridge) configuration');
    expect(JSON.parse(desktop.textContent!).mcpServers.meatspace).toEqual({
      command: '/usr/bin/node',
      args: ['/opt/airlock/bin/airlock.js', 'connect', 'meatspace', '--data-dir', '/data'],
      env: { AIRLOCK_TOKEN: 'alk_new_token' },
    });
  });

  it('shows what Protect will change before it changes, and protects the servers chosen', async () => {
    const { api } = setup();
    const user = userEvent.setup();
    const row = await screen.findByRole('listitem', { name: 'Cursor on this machine' });
    await user.click(within(row).getByRole('button', { name: 'Protect…' }));
    const panel = await within(row).findByRole('region', { name: 'Protect Cursor' });
    await within(panel).findByText(/Nothing changes until you click Protect/);
    expect(within(panel).getByText('cursor')).toBeTruthy();
    expect(within(panel).getByLabelText('Change to meatspace')).toBeTruthy();
    expect(within(panel).getByText(/becomes the Airlock server meatspace-2/)).toBeTruthy();
    expect(within(panel).getByText(/vars stays as it is/)).toBeTruthy();
    expect(api.inputsOf('clients.protect')).toEqual([]);

    // Unchoose docs: the preview follows, and only meatspace is protected.
    await user.click(within(panel).getByRole('checkbox', { name: /docs/ }));
    await waitFor(() =>
      expect(api.inputsOf('clients.preview').at(-1)).toEqual({
        client: 'cursor',
        servers: [KEY_MEATSPACE],
      }),
    );
    await waitFor(() => expect(within(panel).queryByLabelText('Change to docs')).toBeNull());
    await user.click(within(panel).getByRole('button', { name: 'Protect' }));
    await waitFor(() =>
      expect(api.inputsOf('clients.protect')).toEqual([
        { client: 'cursor', servers: [KEY_MEATSPACE], basis: 'basis-1' },
      ]),
    );
    const outcome = await within(row).findByRole('status');
    expect(outcome.textContent).toMatch(/Cursor is protected with grant cursor/);
    expect(outcome.textContent).toMatch(
      /allowed \(read-only\) get_service_status; needs your approval provision_api_key/,
    );
    expect(within(row).getByText('Protected · grant cursor')).toBeTruthy();
  });

  it('cannot protect with no server chosen', async () => {
    setup();
    const user = userEvent.setup();
    const row = await screen.findByRole('listitem', { name: 'Cursor on this machine' });
    await user.click(within(row).getByRole('button', { name: 'Protect…' }));
    const panel = await within(row).findByRole('region', { name: 'Protect Cursor' });
    await within(panel).findByText(/Nothing changes/);
    await user.click(within(panel).getByRole('checkbox', { name: /meatspace/ }));
    await user.click(within(panel).getByRole('checkbox', { name: /docs/ }));
    await waitFor(() =>
      expect(
        (within(panel).getByRole('button', { name: 'Protect' }) as HTMLButtonElement).disabled,
      ).toBe(true),
    );
  });

  it('says what Unprotect will do before it does it, and why it refused', async () => {
    const { api } = setup();
    api.handle('clients.unprotect', () => {
      throw new ApiError(
        'conflict',
        'claude_desktop_config.json was changed since Airlock protected it. Nothing was changed.',
      );
    });
    const user = userEvent.setup();
    const row = await screen.findByRole('listitem', { name: 'Claude Desktop on this machine' });
    await user.click(within(row).getByRole('button', { name: 'Unprotect…' }));
    const confirm = within(row).getByRole('group', { name: 'Unprotect Claude Desktop' });
    expect(confirm.textContent).toMatch(
      /back from its backup, revokes grant claude-desktop and removes the servers it imported \(meatspace\)/,
    );
    await user.click(within(confirm).getByRole('button', { name: 'Unprotect' }));
    expect(await within(row).findByRole('alert')).toHaveProperty(
      'textContent',
      expect.stringContaining('was changed since Airlock protected it. Nothing was changed.'),
    );
    expect(api.inputsOf('clients.unprotect')).toEqual([{ client: 'claude-desktop' }]);
  });

  it('keeps the grants part working when the clients cannot be looked for', async () => {
    const { api } = setup();
    api.handle('clients.detect', () => {
      throw new ApiError('unavailable', 'The clients on this machine are not managed here.');
    });
    cleanup();
    const store = createClientsStore(api);
    render(<ClientsScreen store={store} />);
    expect(await screen.findByText(/could not look for the clients on this machine/)).toBeTruthy();
    expect(await screen.findByText('No clients yet.')).toBeTruthy();
  });
});
