// How long the gatekeeper takes to decide one call in this process (a policy with an argument
// schema and three rate limits), and whether counted calls slow it down: the limiter keeps each
// counter's events in time order, so a decision should cost about the same with a busy day of
// events in its windows as with none. The counter store is the core tests' in-memory one:
// writing the events is the history section's measurement, not this one's.
import { performance } from 'node:perf_hooks';
import { Gatekeeper, type ToolCall } from '../../src/main/core/gatekeeper';
import { RateLimiter } from '../../src/main/core/limits/rate-limiter';
import { PolicyRegistry } from '../../src/main/core/policy';
import { FakeClock, MemoryCounterStore } from '../../test/main/core/fakes';
import { fixed, formatTable, target } from '../lib/report';
import { summarize } from '../lib/stats';
import { scaled, type Section } from './section';

const LIMITS = {
  /**
   * A decision with a busy history against one with none, in the same run: counting a window is a
   * binary search, so a busy history costs cache misses, not a scan of its events (which would
   * make this ratio thousands).
   */
  busyVsEmpty: 2,
};
const SERVER = 'bench';
const POLICY = {
  version: '1',
  tools: {
    search: {
      args: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
      limits: [
        { counter: 'daily', window: 'day', max: 10_000_000 },
        { counter: 'daily', window: 'day', max: 10_000_000, scope: 'global' },
        { counter: 'burst', window: 'minute', max: 10_000_000, scope: 'session' },
      ],
    },
  },
};
const CALL: ToolCall = {
  server: SERVER,
  grant: 'alice',
  session: 'alice-1',
  tool: 'search',
  args: { q: 'meatspace' },
};
const PASSES = 15;

/** A gatekeeper whose limiter has counted `events` calls by 50 other grants in 500 sessions. */
function gatekeeperWith(events: number): Gatekeeper {
  const clock = new FakeClock();
  const policies = new PolicyRegistry({ clock });
  const loaded = policies.load(SERVER, JSON.stringify(POLICY));
  if (!loaded.ok) throw new Error(`bench policy: ${JSON.stringify(loaded.errors)}`);
  const gatekeeper = new Gatekeeper({
    policies,
    limiter: new RateLimiter(new MemoryCounterStore(), clock),
    clock,
  });
  // Spread over the last 11 hours, so every event is still inside the daily windows.
  const spacingMs = Math.max(1, Math.floor(40_000_000 / Math.max(1, events)));
  for (let i = 0; i < events; i++) {
    const decision = gatekeeper.decide({
      ...CALL,
      grant: `grant-${i % 50}`,
      session: `session-${i % 500}`,
    });
    if (decision.action !== 'allow') throw new Error(`bench call refused: ${decision.reason}`);
    clock.advance(spacingMs);
  }
  return gatekeeper;
}

/**
 * µs per decision over `decisions` decisions. Checked as a held call is (`count: false`), so the
 * counted calls stay as built and the two gatekeepers compare like for like.
 */
function timeDecisions(gatekeeper: Gatekeeper, decisions: number): number {
  const started = performance.now();
  for (let i = 0; i < decisions; i++) {
    if (gatekeeper.decide(CALL, { count: false }).action !== 'allow') {
      throw new Error('bench call refused');
    }
  }
  return ((performance.now() - started) * 1000) / decisions;
}

export const decisions: Section = {
  name: 'decisions',
  title: 'Deciding a call (the gatekeeper, in this process)',
  async run(ctx) {
    const busyEvents = scaled(ctx, 200_000, 1_000);
    const perPass = scaled(ctx, 20_000, 1_000);
    const empty = gatekeeperWith(0);
    const busy = gatekeeperWith(busyEvents);
    // Warm both, then alternate them so the machine's drift and the collector hit both alike.
    timeDecisions(empty, perPass);
    timeDecisions(busy, perPass);
    const emptyUs: number[] = [];
    const busyUs: number[] = [];
    for (let pass = 0; pass < PASSES; pass++) {
      emptyUs.push(timeDecisions(empty, perPass));
      busyUs.push(timeDecisions(busy, perPass));
    }
    const emptyP50 = summarize(emptyUs).p50;
    const busyP50 = summarize(busyUs).p50;
    const ratio = busyP50 / emptyP50;
    return {
      lines: [
        `one allowed call with an argument schema and three limits (per grant and global a day, per session a minute), checked without counting it; ${PASSES} passes of ${perPass} decisions each way, alternated`,
        '',
        ...formatTable(
          ['counted calls in the windows', 'µs per decision (p50 of passes)'],
          [
            ['none', fixed(emptyP50, 2)],
            [String(busyEvents), fixed(busyP50, 2)],
          ],
        ),
      ],
      targets: [
        target(
          'decisions',
          `µs per decision with ${busyEvents} counted calls / with none`,
          `${ratio.toFixed(2)}× ≤ ${LIMITS.busyVsEmpty}×`,
          ratio <= LIMITS.busyVsEmpty,
        ),
      ],
    };
  },
};
