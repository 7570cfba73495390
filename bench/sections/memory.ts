// Whether Airlock's memory stays flat under a long run of allowed calls on both upstreams: the JS
// heap after a forced full collection (through Airlock's inspector) at the start, middle and end
// of the run, and RSS every 1,000 calls for context.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { closeQuietly, connectHttp } from '../lib/clients';
import { InspectorSession } from '../lib/inspector';
import { rssKb } from '../lib/proc';
import { fixed, formatTable, target } from '../lib/report';
import { SERVER_IDS } from '../lib/servers';
import { concurrent } from '../lib/workload';
import { scaled, type Section } from './section';

/** 10 bytes a call: far below what keeping anything per call would cost. */
const MAX_HEAP_GROWTH_KB_PER_1000 = 10;
const CHUNK = 1000;
const IN_FLIGHT = 16;

export const memory: Section = {
  name: 'memory',
  title: 'Airlock memory over a long run',
  async run(ctx) {
    const clients: Client[] = [];
    const [, inspectorUrl] = await ctx.airlock.handle.waitForLine(/Debugger listening on (ws:\S+)/);
    const inspector = await InspectorSession.connect(inspectorUrl!);
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
      const heap = [{ calls: 0, bytes: await inspector.heapAfterGc() }];
      for (let chunk = 0; served.at(-1)! < total; chunk++) {
        await concurrent(clients[chunk % clients.length]!, CHUNK, IN_FLIGHT);
        served.push(served.at(-1)! + CHUNK);
        rss.push(rssKb(pid));
        if (served.at(-1)! * 2 === total || served.at(-1)! >= total) {
          heap.push({ calls: served.at(-1)!, bytes: await inspector.heapAfterGc() });
        }
      }

      const calls = served.at(-1)!;
      // Growth over the second half only: the first half may still fill caches that then stay.
      const middle = heap.at(-2)!;
      const end = heap.at(-1)!;
      const heapGrowth = (end.bytes - middle.bytes) / 1024 / ((end.calls - middle.calls) / 1000);
      const overall = (end.bytes - heap[0]!.bytes) / 1024 / (calls / 1000);
      return {
        lines: [
          `${calls} calls (${CHUNK} at a time, ${IN_FLIGHT} in flight, alternating the HTTP and stdio sessions), after ${warmup} warm-up calls per session`,
          `RSS MB every ${CHUNK} calls (the collector's sawtooth): ${rss.map((kb) => (kb / 1024).toFixed(1)).join(' ')}`,
          '',
          ...formatTable(
            ['JS heap after a full collection', 'KB'],
            [
              ...heap.map(({ calls, bytes }) => [
                `after ${calls} calls`,
                (bytes / 1024).toFixed(0),
              ]),
              ['growth per 1,000 calls, second half', fixed(heapGrowth, 2)],
              ['growth per 1,000 calls, whole run', fixed(overall, 2)],
            ],
          ),
        ],
        targets: [
          target(
            'memory',
            'JS heap growth per 1,000 calls (after full GC, second half of the run)',
            `${fixed(heapGrowth, 2)} KB < ${MAX_HEAP_GROWTH_KB_PER_1000} KB`,
            heapGrowth < MAX_HEAP_GROWTH_KB_PER_1000,
          ),
        ],
      };
    } finally {
      inspector.close();
      await closeQuietly(clients);
    }
  },
};
