// @vitest-environment happy-dom
// The config.json banner on the Settings and Servers screens: shown while the file on disk is not
// in force, with each problem's line, column, path and message, and gone once the file is fixed.
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ServersScreen } from '../../../src/renderer/src/features/servers/servers-screen';
import { SettingsScreen } from '../../../src/renderer/src/features/settings/settings-screen';
import { createServersStore } from '../../../src/renderer/src/features/servers/servers-store';
import { createSettingsStore } from '../../../src/renderer/src/features/settings/settings-store';
import type { JsonProblem } from '../../../src/shared/contract';
import { DEFAULT_SETTINGS } from '../../../src/main/core/config/types';
import { FakeApi } from '../helpers/fake-api';
import { configStatus, serverInfo } from '../helpers/servers-fixtures';

afterEach(cleanup);

const PROBLEMS: JsonProblem[] = [
  {
    path: '/settings/aprovalTimeout',
    message: 'unknown key "aprovalTimeout"',
    line: 4,
    column: 5,
  },
  {
    path: '/mcpServers/github/url',
    message: 'must be an http:// or https:// URL',
    line: 9,
    column: 14,
  },
];

function fakeCore(problems: JsonProblem[]) {
  return new FakeApi()
    .handle('settings.get', () => ({ settings: { ...DEFAULT_SETTINGS }, listeningPort: 7820 }))
    .handle('servers.list', () => ({ servers: [serverInfo('meatspace')] }))
    .handle('config.status', () => ({
      config: configStatus({ problems, nextStart: { maxBodyBytes: 8 * 1024 * 1024 } }),
    }));
}

const fixed = () => ({ name: 'config.changed' as const, data: { config: configStatus() } });

describe('the config.json banner', () => {
  it('lists each problem with its line, column and path on Settings until the file is fixed', async () => {
    const api = fakeCore(PROBLEMS);
    render(<SettingsScreen store={createSettingsStore(api)} />);
    const banner = await screen.findByRole('alert', { name: 'config.json problems' });
    expect(within(banner).getByText('config.json has 2 problems')).toBeTruthy();
    expect(banner.textContent).toContain('keeps the last good config in force');
    expect(banner.textContent).toContain('/data/config.json');
    const items = within(banner)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(items).toEqual([
      'Line 4, column 5: /settings/aprovalTimeout unknown key "aprovalTimeout"',
      'Line 9, column 14: /mcpServers/github/url must be an http:// or https:// URL',
    ]);
    // A value in the file that waits for the next start is shown beside the one in force.
    expect(screen.getByText('4 MiB (8 MiB from the next start)')).toBeTruthy();

    act(() => api.push(fixed()));
    expect(screen.queryByRole('alert', { name: 'config.json problems' })).toBeNull();
  });

  it('appears on Servers when the file turns bad or goes missing, and goes when it is back', async () => {
    const api = fakeCore([]);
    render(<ServersScreen store={createServersStore(api)} onOpenPolicy={() => {}} />);
    await screen.findByRole('listitem', { name: 'Server meatspace' });
    expect(screen.queryByRole('alert', { name: 'config.json problems' })).toBeNull();

    const missing = {
      path: '',
      message: 'config.json is missing; the config read last stays in force until the file is back',
    };
    act(() =>
      api.push({ name: 'config.changed', data: { config: configStatus({ problems: [missing] }) } }),
    );
    const banner = screen.getByRole('alert', { name: 'config.json problems' });
    expect(within(banner).getByText('config.json has a problem')).toBeTruthy();
    expect(within(banner).getByRole('listitem').textContent).toBe(` ${missing.message}`);
    // The servers in force are still listed.
    expect(screen.getByRole('listitem', { name: 'Server meatspace' })).toBeTruthy();

    act(() => api.push(fixed()));
    expect(screen.queryByRole('alert', { name: 'config.json problems' })).toBeNull();
  });

  it('shows problem text as text, never as markup', async () => {
    const api = fakeCore([
      { path: '/x', message: '<img src=x onerror="alert(1)">', line: 1, column: 1 },
    ]);
    const { container } = render(<SettingsScreen store={createSettingsStore(api)} />);
    await screen.findByRole('alert', { name: 'config.json problems' });
    expect(container.querySelector('img')).toBeNull();
    expect(screen.getByText(/<img src=x/)).toBeTruthy();
  });
});
