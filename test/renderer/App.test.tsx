// @vitest-environment happy-dom
import { StrictMode } from 'react';
import { act, cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/renderer/src/App';
import { FakeApi } from './helpers/fake-api';
import { heldApproval } from '../helpers/held-approval';

const HELD = heldApproval('a1', { receivedAt: Date.now() });

function fakeCore() {
  return new FakeApi()
    .handle('approvals.list', () => ({ approvals: [] }))
    .handle('servers.list', () => ({ servers: [] }))
    .handle('config.status', () => ({
      config: { file: '/data/config.json', problems: [], nextStart: {} },
    }))
    .handle('grants.list', () => ({ grants: [], temporary: [] }))
    .handle('settings.get', () => {
      throw new Error('not needed here');
    });
}

afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
});

describe('the app frame', () => {
  it('still follows events under StrictMode, which stops each store once after mounting', async () => {
    const api = fakeCore();
    render(
      <StrictMode>
        <App api={api} />
      </StrictMode>,
    );
    await screen.findByText('No calls are waiting for you.');
    act(() => api.push({ name: 'approval.added', data: { approval: HELD } }));
    expect(
      await screen.findByRole('listitem', { name: 'provision_api_key from alice' }),
    ).toBeTruthy();
    // The Pending tab counts it too.
    expect(screen.getByRole('button', { name: /Pending\s*1/ })).toBeTruthy();
  });

  it('loads everything again when the event stream comes back, so a call held meanwhile shows', async () => {
    let queue: ReturnType<typeof heldApproval>[] = [];
    const api = fakeCore().handle('approvals.list', () => ({ approvals: queue }));
    render(<App api={api} />);
    await screen.findByText('No calls are waiting for you.');
    // Held while the stream was down: its approval.added never arrived.
    queue = [HELD];
    act(() => api.reconnect());
    expect(
      await screen.findByRole('listitem', { name: 'provision_api_key from alice' }),
    ).toBeTruthy();
  });

  it('keeps the screen in the address, so Back returns to the previous one', async () => {
    const api = fakeCore();
    render(<App api={api} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Clients' }));
    expect(window.location.hash).toBe('#/clients');
    expect(screen.getByRole('heading', { name: 'Clients', level: 2 })).toBeTruthy();
    await act(async () => {
      window.history.back();
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    expect(screen.getByRole('heading', { name: 'Pending', level: 2 })).toBeTruthy();
  });
});
