// How fast a UI hears about a call: the time from an agent sending tools/call to the matching
// call.recorded event arriving on a subscriber of Airlock's event stream (GET /api/events).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { BENCH_TOOL, callBenchTool, closeQuietly, connectHttp } from '../lib/clients';
import { fixed, formatTable, target } from '../lib/report';
import { SERVER_IDS } from '../lib/servers';
import { summarize } from '../lib/stats';
import { scaled, type Section } from './section';

const MAX_EVENT_DELAY_MS = 50;

export const events: Section = {
  name: 'events',
  title: 'Pushed events: tools/call sent → call.recorded received',
  async run(ctx) {
    const clients: Client[] = [];
    const controller = new AbortController();
    try {
      const response = await openEvents(ctx.airlock.url, ctx.airlock.uiToken, controller.signal);
      if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
      let arrived: (() => void) | undefined;
      void (async () => {
        const decoder = new TextDecoder();
        try {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            // Each call's first event (its row on arrival, still running) is the one waited for;
            // the second (its result) may still be in flight when the next call starts.
            const text = decoder.decode(chunk, { stream: true });
            if (text.includes(BENCH_TOOL) && text.includes('"status":"running"')) arrived?.();
          }
        } catch {
          // aborted at the end
        }
      })();

      for (const id of [SERVER_IDS.http, SERVER_IDS.stdio]) {
        clients.push(await connectHttp(ctx.airlock.endpointFor(id), ctx.airlock.token));
      }
      const calls = scaled(ctx, 300, 30);
      const delays: number[] = [];
      for (let i = 0; i < calls; i++) {
        const client = clients[i % clients.length]!;
        const seen = new Promise<number>((resolve) => {
          arrived = () => {
            arrived = undefined;
            resolve(performance.now());
          };
        });
        const sent = performance.now();
        const call = callBenchTool(client);
        delays.push((await seen) - sent);
        await call;
      }
      const summary = summarize(delays);
      const max = Math.max(...delays);
      return {
        lines: [
          `${calls} sequential calls alternating the HTTP and stdio upstreams, one subscriber`,
          '',
          ...formatTable(
            ['delay, ms', 'p50', 'p99', 'max'],
            [['call sent → event received', fixed(summary.p50), fixed(summary.p99), fixed(max)]],
          ),
        ],
        targets: [
          target(
            'events',
            'p99 delay from a call arriving to its event reaching a subscriber',
            `${fixed(summary.p99)} ms ≤ ${MAX_EVENT_DELAY_MS} ms (max ${fixed(max)} ms)`,
            summary.p99 <= MAX_EVENT_DELAY_MS,
          ),
        ],
      };
    } finally {
      controller.abort();
      await closeQuietly(clients);
    }
  },
};

/**
 * GET /api/events, tried twice: after the long sections before this one, fetch may pick a pooled
 * keep-alive connection that Airlock has just closed as idle ("other side closed").
 */
async function openEvents(url: string, token: string, signal: AbortSignal): Promise<Response> {
  const open = () =>
    fetch(`${url}/api/events`, { headers: { authorization: `Bearer ${token}` }, signal });
  try {
    return await open();
  } catch {
    return await open();
  }
}
