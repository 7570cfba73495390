// The chart's numbers: the core's hourly counts per decision laid out on a gapless time axis
// (hours, or local days when the range spans more than a month), with the running totals that
// stack the bars.
import type { CallDecision, HourlyCount } from '../../../../shared/contract';
import { formatDay, formatTime } from '../../components/format-time';

const HOUR_MS = 3_600_000;
/** Past this many hours, one bar per hour is too thin to read: bars become days. */
const MAX_HOURLY_BARS = 24 * 31;

export interface ChartSeries {
  bucket: 'hour' | 'day';
  /** Start of each bucket, epoch ms. */
  starts: number[];
  allow: number[];
  deny: number[];
  pending: number[];
  totals: Record<CallDecision, number>;
}

function startOfLocalDay(ms: number): number {
  const date = new Date(ms);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

function nextLocalDay(dayStart: number): number {
  const date = new Date(dayStart);
  date.setDate(date.getDate() + 1);
  return date.getTime();
}

/**
 * Buckets from the filter's start (or the first count) to its end (or now). Counts outside that
 * span still get their buckets, so nothing counted is left off the chart.
 */
export function chartSeries(
  counts: readonly HourlyCount[],
  range: { from?: number; to?: number },
  now: number,
): ChartSeries {
  const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
  // A loop, not Math.min(...hours): years of hours would overflow the call's arguments.
  let firstHour = Infinity;
  let lastHour = -Infinity;
  for (const c of counts) {
    firstHour = Math.min(firstHour, c.hour);
    lastHour = Math.max(lastHour, c.hour);
  }
  const first = range.from !== undefined ? floorHour(range.from) : floorHour(now);
  const start = Math.min(first, firstHour);
  const lastMs = range.to !== undefined ? Math.max(range.to - 1, 0) : now;
  const end = Math.max(floorHour(Math.max(lastMs, start)), lastHour);

  const totals: Record<CallDecision, number> = { allow: 0, deny: 0, pending: 0 };
  for (const c of counts) totals[c.decision] += c.count;

  const starts: number[] = [];
  let bucketOf: (hour: number) => number;
  let bucket: ChartSeries['bucket'];
  if ((end - start) / HOUR_MS + 1 <= MAX_HOURLY_BARS) {
    bucket = 'hour';
    for (let t = start; t <= end; t += HOUR_MS) starts.push(t);
    bucketOf = (hour) => (hour - start) / HOUR_MS;
  } else {
    bucket = 'day';
    const index = new Map<number, number>();
    for (let t = startOfLocalDay(start); t <= end; t = nextLocalDay(t)) {
      index.set(t, starts.length);
      starts.push(t);
    }
    bucketOf = (hour) => index.get(startOfLocalDay(hour)) ?? 0;
  }

  const series = {
    allow: new Array<number>(starts.length).fill(0),
    deny: new Array<number>(starts.length).fill(0),
    pending: new Array<number>(starts.length).fill(0),
  };
  for (const c of counts) series[c.decision][bucketOf(c.hour)]! += c.count;
  return { bucket, starts, ...series, totals };
}

/**
 * uPlot's data for bars drawn from the back: all calls (the pending part shows above the rest),
 * then allowed + denied, then allowed. Each bar starts at zero and covers the one behind it, so
 * what shows of each is its own count, stacked. x is in seconds, as uPlot wants.
 */
export function stackedData(series: ChartSeries): [number[], number[], number[], number[]] {
  const x = series.starts.map((t) => t / 1000);
  const allow = series.allow;
  const allowDeny = allow.map((a, i) => a + series.deny[i]!);
  const all = allowDeny.map((ad, i) => ad + series.pending[i]!);
  return [x, all, allowDeny, allow];
}

/**
 * A moment on the chart, in the screens' one format to the minute: "14:00" or "Mar 3 14:00" on
 * an axis of hours, "Mar 3" on one of days.
 */
export function bucketLabel(
  start: number,
  bucket: ChartSeries['bucket'],
  now = Date.now(),
): string {
  if (bucket === 'day') return formatDay(start);
  return formatTime(start, now).replace(/:\d\d$/, '');
}
