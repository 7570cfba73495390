import { describe, expect, it } from 'vitest';
import {
  formatRetryDelay,
  humanizeDuration,
  humanizeWindow,
  parseDuration,
} from '../../../src/main/core/durations';

describe('parseDuration', () => {
  it.each([
    ['second', 1_000],
    ['minute', 60_000],
    ['hour', 3_600_000],
    ['day', 86_400_000],
    [60, 60_000],
    [1, 1_000],
    [0.5, 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['31d', 31 * 86_400_000],
  ])('reads %j as %d ms', (input, ms) => {
    expect(parseDuration(input)).toEqual({ ok: true, ms });
  });

  it.each([
    [0, /positive number of seconds/],
    [-5, /positive number of seconds/],
    [Number.NaN, /positive number of seconds/],
    ['0s', /greater than zero/],
    ['0m0s', /greater than zero/],
    ['-5s', /is not a duration/],
    ['5x', /"5x" is not a duration/],
    ['5', /is not a duration/],
    ['', /is not a duration/],
    ['1h 30m', /is not a duration/],
    ['30m1h', /is not a duration/],
    ['minutes', /did you mean "minute"/],
    ['32d', /at most 31 days/],
    [31 * 86_400 + 1, /at most 31 days/],
    [true, /must be a duration/],
    [null, /must be a duration/],
    [0.0001, /at least 1 millisecond/],
  ])('refuses %j with a clear message', (input, message) => {
    const result = parseDuration(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it('honours a smaller maximum', () => {
    expect(parseDuration('2d', { maxMs: 86_400_000 })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/at most 1 day/),
    });
  });
});

describe('humanizing', () => {
  it.each([
    [60_000, '1 minute'],
    [90_000, '90 seconds'],
    [7_200_000, '2 hours'],
    [5_400_000, '90 minutes'],
    [86_400_000, '1 day'],
    [1_000, '1 second'],
    [500, '500 milliseconds'],
  ])('%d ms is "%s"', (ms, words) => {
    expect(humanizeDuration(ms)).toBe(words);
  });

  it('says "per minute" rather than "per 1 minute"', () => {
    expect(humanizeWindow(60_000)).toBe('minute');
    expect(humanizeWindow(90_000)).toBe('90 seconds');
  });

  it.each([
    [17_000, '17 s'],
    [16_001, '17 s'],
    [1, '1 s'],
    [245_000, '4 min 5 s'],
    [120_000, '2 min'],
    [7_800_000, '2 h 10 min'],
    [90_000_000, '1 d 1 h'],
  ])('a retry after %d ms reads "%s"', (ms, text) => {
    expect(formatRetryDelay(ms)).toBe(text);
  });
});
