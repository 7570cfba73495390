// The app API of a running `airlock serve`, as a script or the browser UI reaches it: commands as
// POST /api/<name> and pushed events from GET /api/events, both with the UI token. Commands come
// back with their HTTP status rather than throwing, since a refused command is often the point.
import { createParser } from 'eventsource-parser';
import type {
  AppEvent,
  ApiErrorBody,
  CommandInput,
  CommandName,
  CommandOutput,
} from '../../src/shared/contract';

export type ApiAnswer<C extends CommandName> =
  | { ok: true; status: number; body: CommandOutput<C> }
  | { ok: false; status: number; error: ApiErrorBody['error'] };

export class AppApi {
  constructor(
    readonly baseUrl: string,
    private readonly uiToken: string,
  ) {}

  async send<C extends CommandName>(command: C, input: CommandInput<C>): Promise<ApiAnswer<C>> {
    const response = await fetch(`${this.baseUrl}/api/${command}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.uiToken}` },
      body: JSON.stringify(input),
    });
    const body = (await response.json()) as unknown;
    if (response.ok) return { ok: true, status: response.status, body: body as CommandOutput<C> };
    const error = (body as Partial<ApiErrorBody>).error ?? {
      code: 'invalid_input' as const,
      message: JSON.stringify(body),
    };
    return { ok: false, status: response.status, error };
  }

  /** Like send, for commands that must succeed: throws with the status and message otherwise. */
  async call<C extends CommandName>(command: C, input: CommandInput<C>): Promise<CommandOutput<C>> {
    const answer = await this.send(command, input);
    if (!answer.ok) {
      throw new Error(`${command} → HTTP ${answer.status}: ${answer.error.message}`);
    }
    return answer.body;
  }

  /**
   * Delivers each pushed event to `listener` as it arrives, until close(). `closed` settles when the
   * stream ends for any reason (close() included), so a caller can tell a dropped stream.
   */
  async subscribe(listener: (event: AppEvent) => void): Promise<EventSubscription> {
    const controller = new AbortController();
    const response = await fetch(`${this.baseUrl}/api/events`, {
      headers: { authorization: `Bearer ${this.uiToken}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`/api/events → HTTP ${response.status}`);
    const parser = createParser({
      onEvent: ({ event, data }) => {
        if (event === undefined) return;
        listener({ name: event, data: JSON.parse(data) } as AppEvent);
      },
    });
    const body = response.body;
    const closed = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
          parser.feed(decoder.decode(chunk, { stream: true }));
        }
      } catch {
        // aborted by close(), or the connection dropped: either way the stream is over
      }
    })();
    return { closed, close: () => controller.abort() };
  }
}

export interface EventSubscription {
  closed: Promise<void>;
  close(): void;
}
