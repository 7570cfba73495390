// The restart delay for upstreams that keep failing, and its reset once one stays up.
import { describe, expect, it } from 'vitest';
import { RestartBackoff } from '../../../../src/main/adapters/mcp/upstream/restart-backoff';

describe('restart backoff', () => {
  it('doubles while the upstream keeps failing, up to the cap', () => {
    const backoff = new RestartBackoff({ initialMs: 500, maxMs: 4000 });
    const delays = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      backoff.up(attempt * 10);
      delays.push(backoff.failed(attempt * 10 + 5));
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });

  it('starts short again once the upstream stayed up long enough', () => {
    const backoff = new RestartBackoff({ initialMs: 500, stableAfterMs: 30_000 });
    backoff.up(0);
    backoff.failed(10);
    backoff.up(1000);
    expect(backoff.failed(1010)).toBe(1000);
    backoff.up(2000);
    expect(backoff.failed(40_000)).toBe(500);
  });

  it('keeps growing when reconnects fail before the upstream is ever up again', () => {
    const backoff = new RestartBackoff({ initialMs: 500, stableAfterMs: 30_000 });
    backoff.up(0);
    expect(backoff.failed(60_000)).toBe(500);
    // Failed attempts without an up() in between, long after the last time it was up.
    expect(backoff.failed(61_000)).toBe(1000);
    expect(backoff.failed(63_000)).toBe(2000);
  });
});
