// Where a message the server sends on its own (a notification, a sampling request) reaches the
// client: with the request it belongs to when that is known, else on the client's own stream, else
// with whatever request is open; kept for the next stream when nothing can carry it.
import type { ClientStream, ReplySink } from './client-sink';
import type { RequestId } from './json-rpc';

/** What routing needs to know of the session's open requests. */
export interface OpenReplies {
  sinkFor(id: RequestId): ReplySink | undefined;
  sinkForProgress(token: string | number): ReplySink | undefined;
  clientSinks(): ReplySink[];
}

/** Messages for the client that arrived while it had no stream open; kept, up to a cap. */
const BACKLOG_LIMIT = 1000;

export class ClientRouting {
  private stream?: ClientStream;
  private readonly backlog: string[] = [];

  constructor(
    private readonly replies: OpenReplies,
    /** The client's stream closed: the session counts that as activity. */
    private readonly onStreamClosed: () => void,
  ) {}

  /** True while the client holds its own stream open. */
  get streaming(): boolean {
    return this.stream !== undefined;
  }

  /** Takes the client's stream, unless one is open already; what waited is sent on it at once. */
  attach(stream: ClientStream): boolean {
    if (this.stream && !this.stream.closed) return false;
    this.stream = stream;
    stream.open();
    for (const text of this.backlog.splice(0)) stream.send(text);
    stream.onClose(() => {
      if (this.stream === stream) this.stream = undefined;
      this.onStreamClosed();
    });
    return true;
  }

  /**
   * One serialised message from the server. `progressToken` and `relatedTo` tie it to a request
   * when the message or its transport says which.
   */
  deliver(text: string, progressToken?: string | number, relatedTo?: RequestId): void {
    if (progressToken !== undefined && this.replies.sinkForProgress(progressToken)?.related(text))
      return;
    if (relatedTo !== undefined && this.replies.sinkFor(relatedTo)?.related(text)) return;
    this.toClient(text);
  }

  end(): void {
    this.stream?.end();
  }

  /**
   * A message no transport tied to a request. With one request open it most likely belongs to it
   * (a stdio server's sampling request mid-call); otherwise it goes on the client's own stream, or
   * waits for one.
   */
  private toClient(text: string): void {
    const open = this.replies.clientSinks();
    if (open.length === 1 && open[0]!.related(text)) return;
    if (this.stream && !this.stream.closed) {
      this.stream.send(text);
      return;
    }
    for (let index = open.length - 1; index >= 0; index--) if (open[index]!.related(text)) return;
    if (this.backlog.length >= BACKLOG_LIMIT) this.backlog.shift();
    this.backlog.push(text);
  }
}
