// The requests a proxy session has sent upstream and not yet seen answered: where each answer goes
// (a client's reply sink, or a promise for a request Airlock sent itself), its timeout, its
// progress token and, for a tools/call, its history row. An answer, a failure, a timeout or the
// session's end settles each one exactly once.
import type { CallGuard } from '../../core/calls/call-guard';
import type { Timers } from '../../core/ports';
import type { ReplySink } from './client-sink';
import {
  ErrorCode,
  errorResponse,
  progressTokenOf,
  serializeMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from './json-rpc';
import { internalRequestId, type SendContext, type UpstreamChannel } from './upstream/channel';

/** Where the answer to an open request goes. */
type Destination =
  | { sink: ReplySink }
  | { internal: { resolve(result: unknown): void; reject(error: Error): void } };

interface OpenRequest {
  destination: Destination;
  method: string;
  cancelTimeout: () => void;
  progressToken?: string | number;
  /** Rewrites the response before it reaches the client (tools/list filtering). */
  rewrite?: (response: JsonRpcResponse) => JsonRpcResponse;
  /** The history row of a tools/call. */
  callId?: number;
}

export interface RequestLifecycleOptions {
  serverId: string;
  /** A request the server has not answered after this long fails with a clear error. */
  timeoutMs: number;
  timers: Timers;
  upstream: Pick<UpstreamChannel, 'send' | 'abandon' | 'requestTimedOut'>;
  calls: Pick<CallGuard, 'finished'>;
}

export class RequestLifecycle {
  private readonly open = new Map<RequestId, OpenRequest>();
  private readonly progressRoutes = new Map<string | number, RequestId>();
  /**
   * Ids of requests that timed out, each with what frees it early. A stdio or SSE server may
   * still be working on one and answer it late: were its id reused meanwhile, that answer would
   * go to the new request (and into its history row). So the id stays taken until the late answer
   * comes, or for one more timeout.
   */
  private readonly timedOut = new Map<RequestId, () => void>();

  constructor(private readonly options: RequestLifecycleOptions) {}

  get size(): number {
    return this.open.size;
  }

  /** True while `id` is open, or timed out with its late answer possibly still to come. */
  has(id: RequestId): boolean {
    return this.open.has(id) || this.timedOut.has(id);
  }

  /**
   * Sends a client request upstream. The channel serialises it from the parsed object, so the
   * server sees exactly what was decided, whatever the client's text looked like.
   */
  forward(
    request: JsonRpcRequest,
    sink: ReplySink,
    context: SendContext,
    rewrite?: OpenRequest['rewrite'],
    callId?: number,
  ): void {
    this.send(request, { sink }, context, rewrite, callId);
  }

  /** Sends a request of Airlock's own (a tool listing) and resolves with its result. */
  request(method: string, params: Record<string, unknown>, context: SendContext): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const request: JsonRpcRequest = {
        jsonrpc: '2.0',
        id: internalRequestId('list'),
        method,
        params,
      };
      this.send(request, { internal: { resolve, reject } }, context);
    });
  }

  /** The client's reply for an open request, if the request came from the client. */
  sinkFor(id: RequestId): ReplySink | undefined {
    const open = this.open.get(id);
    return open && 'sink' in open.destination ? open.destination.sink : undefined;
  }

  /** The client's reply for the open request that sent this progress token. */
  sinkForProgress(token: string | number): ReplySink | undefined {
    const id = this.progressRoutes.get(token);
    return id === undefined ? undefined : this.sinkFor(id);
  }

  /** The replies of the client's open requests, oldest first. */
  clientSinks(): ReplySink[] {
    const sinks: ReplySink[] = [];
    for (const open of this.open.values())
      if ('sink' in open.destination) sinks.push(open.destination.sink);
    return sinks;
  }

  /** The server's response to an open request; one to a request no longer open is dropped. */
  answer(response: JsonRpcResponse): void {
    if (response.id !== null && this.release(response.id)) return; // the late answer
    const open = response.id === null ? undefined : this.open.get(response.id);
    if (!open) return; // an answer to a request that was withdrawn
    const final = open.rewrite ? open.rewrite(response) : response;
    const text = 'sink' in open.destination ? serializeMessage(final) : '';
    this.settle(response.id!, open);
    this.deliver(open, final, text);
    if (open.callId !== undefined) this.options.calls.finished(open.callId, { response });
  }

  /** The server's answer to request `id` cannot be relayed: the client gets `reason` instead. */
  fail(id: RequestId, reason: string): void {
    const open = this.open.get(id);
    if (!open) return;
    this.failOpen(id, open, reason);
  }

  /** Every open request fails with `reason` (the server went away, the session closed). */
  failAll(reason: string): void {
    for (const [id, open] of [...this.open]) this.failOpen(id, open, reason);
  }

  private send(
    request: JsonRpcRequest,
    destination: Destination,
    context: SendContext,
    rewrite?: OpenRequest['rewrite'],
    callId?: number,
  ): void {
    const progressToken = progressTokenOf(request);
    const open: OpenRequest = {
      destination,
      method: request.method,
      cancelTimeout: this.options.timers.after(this.options.timeoutMs, () =>
        this.timeOut(request.id),
      ),
      progressToken,
      rewrite,
      callId,
    };
    // Registered before it is sent: a channel may answer (refuse) within send.
    this.open.set(request.id, open);
    if (progressToken !== undefined) this.progressRoutes.set(progressToken, request.id);
    try {
      this.options.upstream.send(request, context);
    } catch (error) {
      // A channel should report every failure through its listener; one that throws instead
      // still answers its request now, and leaves no timer behind for a request never sent.
      if (this.open.get(request.id) !== open) return;
      this.failOpen(
        request.id,
        open,
        `Airlock could not send ${request.method} to upstream server "${this.options.serverId}" (${(error as Error).message}).`,
      );
    }
  }

  private failOpen(id: RequestId, open: OpenRequest, reason: string): void {
    this.settle(id, open);
    this.deliverError(open, errorResponse(id, ErrorCode.UpstreamUnavailable, reason));
    if (open.callId !== undefined) this.options.calls.finished(open.callId, { failure: reason });
  }

  private timeOut(id: RequestId): void {
    const open = this.open.get(id);
    if (!open) return;
    this.settle(id, open);
    if (this.timedOut.size >= MAX_TIMED_OUT_IDS) this.release(this.timedOut.keys().next().value!);
    this.timedOut.set(
      id,
      this.options.timers.after(this.options.timeoutMs, () => this.timedOut.delete(id)),
    );
    const seconds = Math.round(this.options.timeoutMs / 100) / 10;
    const message = `Upstream server "${this.options.serverId}" did not answer ${open.method} within ${seconds} s.`;
    this.deliverError(open, errorResponse(id, ErrorCode.RequestTimeout, message));
    if (open.callId !== undefined) this.options.calls.finished(open.callId, { failure: message });
    const cancel = {
      jsonrpc: '2.0' as const,
      method: 'notifications/cancelled',
      params: { requestId: id, reason: 'Timed out in Airlock' },
    };
    // This runs in a timer, where a throw would end Airlock, and the client has its answer:
    // whatever the channel makes of the rest, nothing is left to tell anyone.
    const { upstream } = this.options;
    bestEffort(() => upstream.send(cancel, {}));
    bestEffort(() => upstream.abandon(id));
    bestEffort(() => upstream.requestTimedOut());
  }

  /** Frees a timed-out request's id; false if it was not one. */
  private release(id: RequestId): boolean {
    const cancel = this.timedOut.get(id);
    if (cancel === undefined) return false;
    cancel();
    this.timedOut.delete(id);
    return true;
  }

  private settle(id: RequestId, open: OpenRequest): void {
    open.cancelTimeout();
    this.open.delete(id);
    if (open.progressToken !== undefined) this.progressRoutes.delete(open.progressToken);
  }

  private deliverError(open: OpenRequest, response: JsonRpcResponse): void {
    this.deliver(open, response, 'sink' in open.destination ? serializeMessage(response) : '');
  }

  private deliver(open: OpenRequest, response: JsonRpcResponse, text: string): void {
    const { destination } = open;
    if ('sink' in destination) return destination.sink.final(text, response);
    if (response.error) destination.internal.reject(new Error(response.error.message));
    else destination.internal.resolve(response.result);
  }
}

/** Timed-out ids kept taken per session at most; past this the oldest is freed early. */
const MAX_TIMED_OUT_IDS = 1000;

function bestEffort(work: () => void): void {
  try {
    work();
  } catch {
    // See timeOut.
  }
}
