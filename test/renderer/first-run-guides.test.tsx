// @vitest-environment happy-dom
// A first run has one guide: the getting-started checklist above every screen. The empty Servers
// screen says how to add the first server and leaves the later steps to the checklist, instead of
// repeating them in a list of its own.
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/renderer/src/app';
import { FakeApi } from './helpers/fake-api';

afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
});

describe('an empty data folder', () => {
  it('shows one list of setup steps on the Servers screen: the checklist’s', async () => {
    const api = new FakeApi()
      .handle('approvals.list', () => ({ approvals: [] }))
      .handle('servers.list', () => ({ servers: [] }))
      .handle('config.status', () => ({
        config: { file: '/data/config.json', problems: [], nextStart: {} },
      }))
      .handle('grants.list', () => ({ grants: [], temporary: [] }))
      .handle('pause.get', () => ({ pause: { paused: false } }));
    render(<App api={api} />);
    const guide = await screen.findByRole('region', { name: 'Getting started' });
    await userEvent.click(screen.getByRole('button', { name: 'Servers' }));
    const servers = await screen.findByRole('region', { name: 'Servers' });
    expect(await within(servers).findByText('Add your first MCP server')).toBeTruthy();

    expect(within(guide).getAllByRole('listitem')).toHaveLength(3);
    // The screen's own text does not walk through the steps again.
    expect(servers.querySelectorAll('ol')).toHaveLength(0);
    expect(servers.textContent).not.toMatch(/Clients screen|create a client|Connect an agent/i);
  });
});
