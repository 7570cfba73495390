// @vitest-environment happy-dom
// The countdown on a held call's card: labelled "expires in", never longer than the hold (the
// screen's clock ticks once a second, so a call can arrive between two ticks), then "expired".
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PendingScreen } from '../../../../src/renderer/src/features/pending/pending-screen';
import { createPendingStore } from '../../../../src/renderer/src/features/pending/pending-store';
import { formatTime } from '../../../../src/renderer/src/components/format-time';
import { FakeApi } from '../../helpers/fake-api';
import { heldApproval } from '../../../helpers/held-approval';

const T0 = Date.UTC(2026, 2, 3, 12, 0, 0);

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('the countdown of a held call', () => {
  it('shows "expires in 2:00" for a 2-minute hold that arrives between two ticks, then counts down to "expired"', async () => {
    // Only the clock and the screen's once-a-second tick are faked; the queries' timers run.
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'], now: T0 });
    const api = new FakeApi().handle('approvals.list', () => ({ approvals: [] }));
    render(<PendingScreen store={createPendingStore(api)} />);
    await screen.findByText('No calls are waiting for you.');

    // 0.9 s after the screen's last tick, a call is held for two minutes.
    vi.setSystemTime(T0 + 900);
    const held = heldApproval('a1', { receivedAt: T0 + 900, expiresAt: T0 + 900 + 120_000 });
    act(() => api.push({ name: 'approval.added', data: { approval: held } }));
    const card = await screen.findByRole('listitem', { name: 'provision_api_key from alice' });
    const countdown = within(card).getByTitle(/^Time left to answer/);
    expect(countdown.textContent).toBe('expires in 2:00');
    expect(countdown.getAttribute('title')).toBe(
      `Time left to answer: refused at ${formatTime(held.expiresAt)} if no one answers`,
    );

    act(() => void vi.advanceTimersByTime(1000));
    expect(countdown.textContent).toBe('expires in 1:59');
    act(() => void vi.advanceTimersByTime(119_000));
    expect(countdown.textContent).toBe('expired');
  });
});
