// The one way every screen writes a moment (Activity, Pending, Clients, Policies, the pause
// banner): local time on a 24-hour clock, with the date only when it is not today, so the same
// moment reads the same wherever it appears. Durations and countdowns are not moments: see
// features/activity/format-call.ts and features/pending/format-args.ts.

const pad = (n: number) => String(n).padStart(2, '0');

// Made once: toLocaleDateString with options builds a new formatter on every call, a large share
// of the main thread's work while Activity's table scrolled (README, Performance).
const DAY = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric' });
const DAY_AND_YEAR = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
});

function clock(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** "14:03:22" today, "Mar 3 14:03:22" another day this year, "Mar 3, 2025 14:03:22" before. */
export function formatTime(epochMs: number, now: number = Date.now()): string {
  const date = new Date(epochMs);
  const today = new Date(now);
  if (today.toDateString() === date.toDateString()) return clock(date);
  const day = date.getFullYear() === today.getFullYear() ? DAY : DAY_AND_YEAR;
  return `${day.format(date)} ${clock(date)}`;
}

/** The same moment with its date and milliseconds always: "Mar 3, 2026 14:03:22.120". */
export function formatFullTime(epochMs: number): string {
  const date = new Date(epochMs);
  return `${DAY_AND_YEAR.format(date)} ${clock(date)}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

/** A day alone, as the times above write it: "Mar 3". */
export function formatDay(epochMs: number): string {
  return DAY.format(new Date(epochMs));
}
