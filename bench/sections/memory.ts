// Whether Airlock's memory stays flat under a long run of allowed calls on both upstreams: RSS
// sampled every 1,000 calls, growth reported per 1,000 calls.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { closeQuietly, connectHttp } from '../lib/clients';
import { rssKb } from '../lib/proc';
import { fixed, formatTable, target } from '../lib/report';
import { SERVER_IDS } from '../lib/servers';
import { concurrent } from '../lib/workload';
import { scaled, type Section } from './section';

const MAX_GROWTH_KB_PER_1000 = 50;
const CHUNK = 1000;
const IN_FLIGHT = 16;

export const memory: Section = {
  name: 'memory',
  title: 'Airlock memory over a long run',
  async run(ctx) {
    const clients: Client[] = [];
    try {
      for (const id of [SERVER_IDS.http, SERVER_IDS.stdio]) {
        clients.push(await connectHttp(ctx.airlock.endpointFor(id), ctx.airlock.token));
      }
      const pid = ctx.airlock.handle.pid;
      // The sessions are new; their first calls allocate what each session keeps for good.
      const warmup = scaled(ctx, 2000, 200);
      for (const client of clients) await concurrent(client, warmup, IN_FLIGHT);

      const total = scaled(ctx, 30_000, 2 * CHUNK);
      const served = [0];
      const rss = [rssKb(pid)];
      for (let chunk = 0; served.at(-1)! < total; chunk++) {
        await concurrent(clients[chunk % clients.length]!, CHUNK, IN_FLIGHT);
        served.push(served.at(-1)! + CHUNK);
        rss.push(rssKb(pid));
      }

      const calls = served.at(-1)!;
      // RSS follows the garbage collector's sawtooth (tens of MB here), so compare the floors the
      // collector gets back to early and late in the run: a leak lifts the floor, a sawtooth does not.
      const third = Math.max(1, Math.floor(rss.length / 3));
      const earlyFloor = Math.min(...rss.slice(0, third));
      const lateFloor = Math.min(...rss.slice(-third));
      // The thirds' middles are two thirds of the run apart.
      const floorGrowth = ((lateFloor - earlyFloor) * 1000) / ((calls * 2) / 3);
      const endToEnd = ((rss.at(-1)! - rss[0]!) * 1000) / calls;
      return {
        lines: [
          `${calls} calls (${CHUNK} at a time, ${IN_FLIGHT} in flight, alternating the HTTP and stdio sessions), after ${warmup} warm-up calls per session`,
          `RSS MB every ${CHUNK} calls: ${rss.map((kb) => (kb / 1024).toFixed(1)).join(' ')}`,
          '',
          ...formatTable(
            ['RSS', 'KB'],
            [
              ['after warm-up', String(rss[0])],
              [`after ${calls} more calls`, String(rss.at(-1))],
              ['lowest / highest sample', `${Math.min(...rss)} / ${Math.max(...rss)}`],
              ['lowest in first / last third', `${earlyFloor} / ${lateFloor}`],
              ['growth per 1,000 calls, lowest values', fixed(floorGrowth, 1)],
              ['growth per 1,000 calls, end − start', fixed(endToEnd, 1)],
            ],
          ),
        ],
        targets: [
          target(
            'memory',
            'RSS growth per 1,000 calls (lowest values, first vs last third)',
            `${fixed(floorGrowth, 1)} KB < ${MAX_GROWTH_KB_PER_1000} KB`,
            floorGrowth < MAX_GROWTH_KB_PER_1000,
          ),
        ],
      };
    } finally {
      await closeQuietly(clients);
    }
  },
};
