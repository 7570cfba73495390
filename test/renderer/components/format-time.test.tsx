// @vitest-environment happy-dom
// One way to write a moment, on every screen that shows one: the formatter's own cases, Activity's
// chart axis, then the app's screens (Clients, the pause banner, Activity's table and detail)
// showing the same moment in that one format.
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../src/renderer/src/app';
import {
  formatDay,
  formatFullTime,
  formatTime,
} from '../../../src/renderer/src/components/format-time';
import { bucketLabel } from '../../../src/renderer/src/features/activity/chart-data';
import { recordedCall } from '../../helpers/recorded-call';
import { FakeApi } from '../helpers/fake-api';

/** Local times, so the expected texts hold in any time zone. */
const at = (...parts: [number, number, number, number, number, number, number?]) =>
  new Date(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6] ?? 0).getTime();

afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
});

describe('formatTime', () => {
  const now = at(2026, 2, 3, 18, 0, 0);

  it('writes the clock alone for today, and the day before it for any other day', () => {
    expect(formatTime(at(2026, 2, 3, 9, 5, 7), now)).toBe('09:05:07');
    expect(formatTime(at(2026, 2, 2, 23, 59, 59), now)).toBe('Mar 2 23:59:59');
    expect(formatTime(at(2025, 11, 31, 14, 3, 22), now)).toBe('Dec 31, 2025 14:03:22');
  });

  it('writes the full moment with its date and milliseconds, and a day alone', () => {
    expect(formatFullTime(at(2026, 2, 3, 9, 5, 7, 120))).toBe('Mar 3, 2026 09:05:07.120');
    expect(formatDay(at(2026, 2, 3, 9, 5, 7))).toBe('Mar 3');
  });
});

describe("Activity's chart", () => {
  it('labels its time axis and its bars in the same format, to the minute', () => {
    const now = at(2026, 2, 3, 18, 0, 0);
    expect(bucketLabel(at(2026, 2, 3, 14, 0, 0), 'hour', now)).toBe('14:00');
    expect(bucketLabel(at(2026, 2, 2, 9, 35, 0), 'hour', now)).toBe('Mar 2 09:35');
    expect(bucketLabel(at(2026, 2, 2, 0, 0, 0), 'day', now)).toBe('Mar 2');
  });
});

describe('every screen', () => {
  it('writes a moment the same way: Clients, the pause banner, Activity’s table and detail', async () => {
    // Three days ago at 09:05:07: not today, so the day is part of every form.
    const today = new Date();
    const moment = new Date(
      today.getFullYear(),
      today.getMonth(),
      today.getDate() - 3,
      9,
      5,
      7,
      120,
    ).getTime();
    const call = recordedCall(7, { receivedAt: moment, decidedAt: moment, finishedAt: moment });
    const api = new FakeApi()
      .handle('approvals.list', () => ({ approvals: [] }))
      .handle('servers.list', () => ({ servers: [] }))
      .handle('config.status', () => ({
        config: { file: '/data/config.json', problems: [], nextStart: {} },
      }))
      .handle('grants.list', () => ({
        grants: [{ name: 'alice', created: new Date(moment).toISOString() }],
        temporary: [],
      }))
      .handle('pause.get', () => ({ pause: { paused: true, since: moment } }))
      .handle('history.query', () => ({ calls: [call] }))
      .handle('history.counts', () => ({ counts: [] }))
      .handle('history.get', () => ({ call }));
    render(<App api={api} />);
    const user = userEvent.setup();
    const written = formatTime(moment);
    expect(written).toMatch(/^[A-Z][a-z]{2} \d{1,2}(, \d{4})? 09:05:07$/);

    expect((await screen.findByText(/Airlock is paused since/)).textContent).toContain(
      `since ${written}:`,
    );

    await user.click(screen.getByRole('button', { name: 'Clients' }));
    const client = await screen.findByRole('listitem', { name: 'Client alice' });
    expect(client.textContent).toContain(`created ${written}`);

    await user.click(screen.getByRole('button', { name: 'Activity' }));
    const row = await screen.findByRole('row', { name: /get_service_status/ });
    const timeCell = within(row).getAllByRole('gridcell')[0]!;
    expect(timeCell.textContent).toBe(written);
    expect(timeCell.getAttribute('title')).toBe(formatFullTime(moment));
    await user.click(row);
    const detail = await screen.findByRole('region', { name: 'Call detail' });
    expect(within(detail).getAllByText(formatFullTime(moment)).length).toBeGreaterThan(0);
    // Nothing in the other formats the screens used to have: "3/2/2026, 9:05:07 AM", "2026-03-02 09:05".
    expect(document.body.textContent).not.toMatch(
      /\d{1,2}\/\d{1,2}\/\d{4}|\b[AP]M\b|\d{4}-\d{2}-\d{2} /,
    );
  });
});
