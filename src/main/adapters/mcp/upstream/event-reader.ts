// Reads an upstream's Server-Sent Events with a bound on one event, for the Streamable HTTP and
// legacy SSE channels. An event past the bound cannot be skipped unread (its end is not known
// until it comes), so the response is dropped; an error while handling one event is logged
// rather than allowed to end Airlock, and the next event is read as if it had not happened.
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
  const handlingFailed = (error: unknown) =>
    options.logger.error(`upstream ${options.serverId}: an event could not be handled`, {
      error: (error as Error).message,
    });
  const parser = createParser({
    onEvent: (event) => {
      pending = 0;
      // Caught here, inside the parser's callback: a throw out of it skips the parser's reset of
      // the event's fields (eventsource-parser 3.1), so the next event would inherit this one's
      // type (a message read as an `endpoint`) and the rest of the chunk would be lost.
      try {
        options.onEvent(event);
      } catch (error) {
        handlingFailed(error);
      }
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
      // The parser's own failure leaves its state unknown: start afresh rather than read the
      // next event with what is left of this one.
      handlingFailed(error);
      parser.reset();
    }
  });
}
