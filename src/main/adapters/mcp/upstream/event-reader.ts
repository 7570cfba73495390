// Reads an upstream's Server-Sent Events with a bound on one event, for the Streamable HTTP and
// legacy SSE channels. An event past the bound cannot be skipped unread (its end is not known
// until it comes), so the response is dropped; an error while handling one event is logged
// rather than allowed to end Airlock.
import type { IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Logger } from '../../../core/ports';

export interface EventReaderOptions {
  /** settings.maxMessageBytes. */
  maxEventBytes: number;
  onEvent(event: EventSourceMessage): void;
  /** An event grew past maxEventBytes; the response is already destroyed. */
  onTooLarge(bytes: number): void;
  logger: Logger;
  /** The upstream server's id, for the log. */
  serverId: string;
}

export function readEvents(response: IncomingMessage, options: EventReaderOptions): void {
  // Characters since the last event or comment ended: an upper bound on the event being read.
  let pending = 0;
  const parser = createParser({
    onEvent: (event) => {
      pending = 0;
      options.onEvent(event);
    },
    onComment: () => {
      pending = 0;
    },
  });
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    pending += chunk.length;
    if (pending > options.maxEventBytes) {
      response.destroy();
      options.onTooLarge(pending);
      return;
    }
    try {
      parser.feed(chunk);
    } catch (error) {
      options.logger.error(`upstream ${options.serverId}: an event could not be handled`, {
        error: (error as Error).message,
      });
    }
  });
}
