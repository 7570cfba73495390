// Durations as people write them in policy and config files ("minute", 60, "90s", "1h30m"), and
// back into words for messages shown to agents and people.

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The longest limit window. Counter events older than this can never count again and are dropped. */
export const MAX_WINDOW_MS = 31 * DAY_MS;

/** Unit names a window may be given as; each means one of that unit. */
const DURATION_UNITS = {
  second: SECOND_MS,
  minute: MINUTE_MS,
  hour: HOUR_MS,
  day: DAY_MS,
} as const;

export type DurationUnit = keyof typeof DURATION_UNITS;

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

export interface DurationOptions {
  /** Longest accepted duration; MAX_WINDOW_MS unless given. */
  maxMs?: number;
}

const SUFFIX_MS: Record<string, number> = {
  d: DAY_MS,
  h: HOUR_MS,
  m: MINUTE_MS,
  s: SECOND_MS,
  ms: 1,
};

// Longest suffix first so "ms" is not read as "m" followed by garbage.
const PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/y;

const FORMS =
  'use "second", "minute", "hour", "day", a number of seconds, or a string such as "90s", "5m", "2h", "1d", "1h30m" or "500ms"';

/**
 * Parses a unit name, a positive number of seconds, or a compound string such as "1h30m" into
 * milliseconds. Zero, negative, unknown and too long values are refused with a message that says
 * what would be accepted.
 */
export function parseDuration(value: unknown, options: DurationOptions = {}): DurationResult {
  const maxMs = options.maxMs ?? MAX_WINDOW_MS;
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) {
      return { ok: false, message: `must be a positive number of seconds (got ${String(value)})` };
    }
    ms = value * SECOND_MS;
  } else if (typeof value === 'string') {
    const parsed = parseDurationString(value);
    if (!parsed.ok) return parsed;
    ms = parsed.ms;
  } else {
    return { ok: false, message: `must be a duration: ${FORMS}` };
  }
  ms = Math.round(ms);
  if (ms < 1)
    return { ok: false, message: `must be at least 1 millisecond (got ${JSON.stringify(value)})` };
  if (ms > maxMs) {
    return {
      ok: false,
      message: `must be at most ${humanizeDuration(maxMs)} (got ${JSON.stringify(value)}, which is ${humanizeDuration(ms)})`,
    };
  }
  return { ok: true, ms };
}

function parseDurationString(text: string): DurationResult {
  if (Object.hasOwn(DURATION_UNITS, text))
    return { ok: true, ms: DURATION_UNITS[text as DurationUnit] };
  const invalid = (): DurationResult => {
    const singular = text.endsWith('s') ? text.slice(0, -1) : '';
    const hint = Object.hasOwn(DURATION_UNITS, singular) ? `did you mean "${singular}"? ` : '';
    return { ok: false, message: `${JSON.stringify(text)} is not a duration: ${hint}${FORMS}` };
  };
  let total = 0;
  let position = 0;
  let previousUnitMs = Infinity;
  while (position < text.length) {
    PART.lastIndex = position;
    const match = PART.exec(text);
    if (match === null) return invalid();
    const unitMs = SUFFIX_MS[match[2] ?? ''] ?? 0;
    // Parts must go from larger to smaller units, once each, as in "1h30m"; "30m1h" is a typo.
    if (unitMs >= previousUnitMs) return invalid();
    previousUnitMs = unitMs;
    total += Number(match[1]) * unitMs;
    position = PART.lastIndex;
  }
  if (position === 0) return invalid();
  if (total === 0)
    return { ok: false, message: `must be greater than zero (got ${JSON.stringify(text)})` };
  return { ok: true, ms: total };
}

const NAMED_UNITS: ReadonlyArray<readonly [number, string]> = [
  [DAY_MS, 'day'],
  [HOUR_MS, 'hour'],
  [MINUTE_MS, 'minute'],
  [SECOND_MS, 'second'],
  [1, 'millisecond'],
];

/**
 * Words for a duration in the largest unit that divides it exactly: 60000 → "1 minute",
 * 90000 → "90 seconds", 7200000 → "2 hours". Exact, so a limit reads as the user wrote it.
 */
export function humanizeDuration(ms: number): string {
  const value = Math.max(0, Math.round(ms));
  for (const [unitMs, name] of NAMED_UNITS) {
    if (value >= unitMs && value % unitMs === 0) return plural(value / unitMs, name);
  }
  return plural(value, 'millisecond');
}

/** "minute" for one minute, "90 seconds" otherwise: the tail of "30 calls per minute". */
export function humanizeWindow(ms: number): string {
  const words = humanizeDuration(ms);
  return words.startsWith('1 ') ? words.slice(2) : words;
}

/** A short, rounded-up wait for "retry in ..." texts: "17 s", "4 min 5 s", "2 h 10 min". */
export function formatRetryDelay(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / SECOND_MS));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return joinParts(minutes, 'min', seconds % 60, 's');
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return joinParts(hours, 'h', minutes % 60, 'min');
  return joinParts(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

function joinParts(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
