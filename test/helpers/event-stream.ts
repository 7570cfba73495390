// Reads the app API's event stream (GET /api/events) as a UI would, collecting each event with the
// time it arrived, so tests can wait for one and measure how long it took.
import type { AppEvent } from '../../src/shared/contract';
import { TEST_UI_TOKEN } from './airlock-harness';

export interface ReceivedEvent {
  event: AppEvent;
  /** performance.now() when it arrived. */
  at: number;
}

export interface EventStream {
  events: ReceivedEvent[];
  /** Resolves with the first matching event from index `since` on (already received or still to come). */
  next(
    match: (event: AppEvent) => boolean,
    since?: number,
    timeoutMs?: number,
  ): Promise<ReceivedEvent>;
  close(): void;
}

export async function openEventStream(baseUrl: string): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/events`, {
    headers: { authorization: `Bearer ${TEST_UI_TOKEN}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
  const events: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (name === undefined || data === undefined) continue;
          events.push({
            event: { name, data: JSON.parse(data) } as AppEvent,
            at: performance.now(),
          });
          for (const wake of [...waiters]) wake();
        }
      }
    } catch {
      // closed
    }
  })();
  return {
    events,
    next(match, since = 0, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.slice(since).find((received) => match(received.event));
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => controller.abort(),
  };
}
