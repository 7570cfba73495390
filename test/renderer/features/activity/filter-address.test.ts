// Activity's filters written into the address and read back from it: what a reload, a bookmark or
// a pasted link restores, and what an address typed by anyone cannot slip in.
import { describe, expect, it } from 'vitest';
import {
  activityQuery,
  addressOf,
  filterFromQuery,
  filterToQuery,
} from '../../../../src/renderer/src/features/activity/filter-address';
import {
  DEFAULT_FILTER,
  type ActivityFilter,
} from '../../../../src/renderer/src/features/activity/activity-store';

describe("Activity's filters in the address", () => {
  it('writes only what differs from the default, and reads back the same filter', () => {
    expect(addressOf(DEFAULT_FILTER)).toBe('#/activity');
    const filters: ActivityFilter[] = [
      { range: 'day', decision: 'deny' },
      { range: 'all', toolContains: 'key', grant: 'claude desktop', server: 'meat&space' },
      { range: 'custom', from: 1_764_000_000_000, to: 1_764_003_600_000, text: 'rep* "x"' },
      { range: 'week', text: 'a=b?c#d' },
    ];
    for (const filter of filters) {
      const query = filterToQuery(filter);
      expect(filterFromQuery(query), query).toEqual(filter);
      expect(activityQuery(addressOf(filter))).toBe(query);
    }
    expect(filterToQuery({ range: 'all', toolContains: 'key', decision: 'pending' })).toBe(
      'tool=key&decision=pending',
    );
  });

  it('leaves out what an address gets wrong instead of sending it on', () => {
    expect(
      filterFromQuery(
        'range=fortnight&decision=maybe&from=-5&to=1e99&tool=%20%20&client=' +
          'x'.repeat(5000) +
          '&__proto__=1&constructor=2',
      ),
    ).toEqual({ range: 'all', grant: 'x'.repeat(200) });
    // from and to count with a custom range only.
    expect(filterFromQuery('from=5&to=6')).toEqual({ range: 'all' });
    expect(filterFromQuery('range=custom&from=5&to=abc')).toEqual({ range: 'custom', from: 5 });
  });

  it('names the Activity screen only for #/activity, with or without a query', () => {
    expect(activityQuery('#/activity?tool=x')).toBe('tool=x');
    expect(activityQuery('#/activity')).toBe('');
    expect(activityQuery('#activity')).toBe('');
    expect(activityQuery('#/pending')).toBeUndefined();
    expect(activityQuery('#/activityx?tool=x')).toBeUndefined();
    expect(activityQuery('')).toBeUndefined();
  });
});
