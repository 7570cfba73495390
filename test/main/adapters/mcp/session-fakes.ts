// In-memory stand-ins for what a proxy session talks to: an upstream channel the test answers by
// hand, client sinks and streams that record what the client would receive, and a call guard whose
// admissions the test chooses.
import type { Admission, CallEnd, HeldVerdict } from '../../../../src/main/core/calls/call-guard';
import type { ToolCall } from '../../../../src/main/core/gatekeeper';
import type { SeenDefinition } from '../../../../src/main/core/tools/tool-definition';
import type { ClientStream, ReplySink } from '../../../../src/main/adapters/mcp/client-sink';
import type {
  JsonRpcMessage,
  JsonRpcResponse,
  RequestId,
} from '../../../../src/main/adapters/mcp/json-rpc';
import type {
  ChannelListener,
  SendContext,
  UpstreamChannel,
} from '../../../../src/main/adapters/mcp/upstream/channel';

export class FakeChannel implements UpstreamChannel {
  listener!: ChannelListener;
  readonly sent: JsonRpcMessage[] = [];
  readonly abandoned: RequestId[] = [];
  serverStreams = 0;
  closed = false;

  send(message: JsonRpcMessage, _context: SendContext): void {
    this.sent.push(message);
  }
  openServerStream(): void {
    this.serverStreams++;
  }
  closeServerStream(): void {
    this.serverStreams--;
  }
  abandon(id: RequestId): void {
    this.abandoned.push(id);
  }
  requestTimedOut(): void {}
  async close(): Promise<void> {
    this.closed = true;
  }

  /** The last request the session sent with this method. */
  lastRequest(method: string): { id: RequestId; params?: Record<string, unknown> } {
    const found = this.sent.filter((m) => 'method' in m && m.method === method && 'id' in m).at(-1);
    if (!found) throw new Error(`no ${method} was sent upstream`);
    return found as { id: RequestId; params?: Record<string, unknown> };
  }

  /** The server answers request `id`. */
  answer(id: RequestId, result: unknown): void {
    this.listener.message({ jsonrpc: '2.0', id, result });
  }
}

export function fakeChannelFactory(): {
  channel: FakeChannel;
  open: (l: ChannelListener) => FakeChannel;
} {
  const channel = new FakeChannel();
  return {
    channel,
    open: (listener) => {
      channel.listener = listener;
      return channel;
    },
  };
}

/** What one client request's reply received. */
export class RecordingSink implements ReplySink {
  readonly relatedTexts: string[] = [];
  response?: JsonRpcResponse;
  finalText?: string;
  closed = false;
  private closeListeners: (() => void)[] = [];

  constructor(private readonly canStream = true) {}

  related(text: string): boolean {
    if (this.closed || !this.canStream) return false;
    this.relatedTexts.push(text);
    return true;
  }
  final(text: string, response: JsonRpcResponse): void {
    if (this.closed) return;
    this.closed = true;
    this.finalText = text;
    this.response = response;
  }
  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }
  /** The client goes away. */
  disconnect(): void {
    this.closed = true;
    for (const listener of this.closeListeners) listener();
  }
  relatedMessages(): unknown[] {
    return this.relatedTexts.map((text) => JSON.parse(text) as unknown);
  }
}

export class RecordingStream implements ClientStream {
  readonly texts: string[] = [];
  opened = false;
  closed = false;
  ended = false;
  private closeListener?: () => void;

  open(): void {
    this.opened = true;
  }
  send(text: string): void {
    this.texts.push(text);
  }
  onClose(listener: () => void): void {
    this.closeListener = listener;
  }
  end(): void {
    this.ended = true;
  }
  /** The client closes its stream. */
  drop(): void {
    this.closed = true;
    this.closeListener?.();
  }
}

/** A call guard that answers each admit with the next admission the test queued (run by default). */
export class FakeCalls {
  readonly admitted: { call: ToolCall; seen: readonly SeenDefinition[] }[] = [];
  readonly ended: { callId: number; end: CallEnd }[] = [];
  readonly withdrawn: { approvalId: string; by: string }[] = [];
  readonly onHeld: ((verdict: HeldVerdict) => void)[] = [];
  next: Admission[] = [];
  private ids = 0;

  admit(
    call: ToolCall,
    onHeld: (verdict: HeldVerdict) => void,
    seen: readonly SeenDefinition[] = [],
  ): Admission {
    this.admitted.push({ call, seen });
    this.onHeld.push(onHeld);
    return this.next.shift() ?? { kind: 'run', callId: ++this.ids };
  }
  finished(callId: number, end: CallEnd): void {
    this.ended.push({ callId, end });
  }
  withdraw(approvalId: string, by: 'cancel' | 'disconnect'): boolean {
    this.withdrawn.push({ approvalId, by });
    return true;
  }
}
