// Server-Sent Events as Airlock writes them, to agents (MCP responses and server messages) and to
// the UI (pushed app events): the response head and the framing of each event.
import type { ServerResponse } from 'node:http';

/**
 * Starts an event stream: status 200, `text/event-stream`, not cached. `headers` add to those or
 * replace them (the UI's stream also refuses to be stored).
 */
export function startEventStream(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...headers,
  });
}

/**
 * One event. `data` must be one line (serialised JSON is: JSON.stringify never writes a raw line
 * break), or a reader would take the rest for fields of its own.
 */
export function sseEvent(event: string, data: string, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`;
}

/** A comment line, which readers ignore: it keeps an idle stream open through proxies. */
export function sseComment(text: string): string {
  return `: ${text}\n\n`;
}
