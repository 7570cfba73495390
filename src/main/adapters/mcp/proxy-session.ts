// One client's MCP session with one upstream server. Everything passes through untouched except
// what the policy decides: each tools/call is admitted by the call guard (run, refuse, or hold for
// a person) before it can reach the server, and tools/list leaves out the tools the policy denies
// this grant outright. Every tool listing is shown to the tool pins, and each call carries the
// definition its session last listed, so a changed definition is caught (core/tools/tool-pins.ts).
// It speaks to its client through sinks (client-sink.ts), never to a transport.
import type { CallGuard, HeldVerdict } from '../../core/calls/call-guard';
import type { Gatekeeper } from '../../core/gatekeeper';
import { systemClock, systemTimers, type Clock, type Logger, type Timers } from '../../core/ports';
import type { ToolPins } from '../../core/tools/tool-pins';
import type { ClientStream, ReplySink } from './client-sink';
import { ClientRouting } from './client-routing';
import {
  ErrorCode,
  errorResponse,
  imitatedMethod,
  isDecidedRequestMethod,
  progressTokenOf,
  resultResponse,
  serializeMessage,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from './json-rpc';
import { repeatEvery } from '../../core/repeat-every';
import { RequestLifecycle } from './request-lifecycle';
import { ToolCatalogue } from './tool-catalogue';
import type { ChannelFactory, SendContext, UpstreamChannel } from './upstream/channel';

export interface SessionOptions {
  id: string;
  serverId: string;
  grant: string;
  gatekeeper: Pick<Gatekeeper, 'isToolVisible'>;
  calls: Pick<CallGuard, 'admit' | 'finished' | 'withdraw'>;
  /** Sees every tool listing, to pin new tools and record changed definitions. */
  pins?: Pick<ToolPins, 'observe'>;
  openChannel: ChannelFactory;
  /** A request the server has not answered after this long fails with a clear error. */
  timeoutMs: number;
  logger: Logger;
  /** While a call is held, a client that sent a progressToken gets progress this often. */
  heldProgressMs?: number;
  onUpstreamLost?: (reason: string) => void;
  clock?: Clock;
  timers?: Timers;
}

/** A tools/call waiting for a person. */
interface Held {
  approvalId: string;
  stopProgress?: () => void;
}

// Clients commonly give up on a request after 60 s without news; progress resets that clock.
const HELD_PROGRESS_MS = 10_000;

export class ProxySession {
  readonly channel: UpstreamChannel;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly requests: RequestLifecycle;
  private readonly tools: ToolCatalogue;
  private readonly routing: ClientRouting;
  private readonly held = new Map<RequestId, Held>();
  /**
   * Ids of tools/calls waiting for the server's tool list before they are decided: taken, like
   * the ids of open and held requests, so a second request cannot reuse one meanwhile.
   */
  private readonly awaitingList = new Set<RequestId>();
  private closed = false;
  lastActivity: number;

  constructor(private readonly options: SessionOptions) {
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.lastActivity = this.clock.now();
    // The channel may report before openChannel returns (a server that cannot start), so the
    // parts it reports to reach it through this session rather than hold it.
    this.requests = new RequestLifecycle({
      serverId: options.serverId,
      timeoutMs: options.timeoutMs,
      timers: this.timers,
      calls: options.calls,
      upstream: {
        send: (message, context) => this.channel.send(message, context),
        abandon: (id) => this.channel.abandon(id),
        requestTimedOut: () => this.channel.requestTimedOut(),
      },
    });
    this.tools = new ToolCatalogue(options);
    this.routing = new ClientRouting(this.requests, () => {
      this.lastActivity = this.clock.now();
      // Checked, since a new stream may already have taken the closed one's place.
      if (!this.routing.streaming) this.channel.closeServerStream();
    });
    this.channel = options.openChannel({
      message: (message, relatedTo) => this.fromServer(message, relatedTo),
      refused: (reason, relatedTo) => this.requests.fail(relatedTo, reason),
      lost: (reason) => {
        options.onUpstreamLost?.(reason);
        this.requests.failAll(reason);
      },
    });
  }

  get id(): string {
    return this.options.id;
  }

  get grant(): string {
    return this.options.grant;
  }

  get serverId(): string {
    return this.options.serverId;
  }

  /** True while the client waits on something or holds a stream open. */
  get busy(): boolean {
    return this.requests.size > 0 || this.held.size > 0 || this.routing.streaming;
  }

  /**
   * A client request, as parsed: what goes upstream is serialised from it by the channel, so no
   * text the client sent can become a second upstream message.
   */
  handleRequest(request: JsonRpcRequest, sink: ReplySink, context: SendContext): void {
    this.lastActivity = this.clock.now();
    if (
      this.requests.has(request.id) ||
      this.held.has(request.id) ||
      this.awaitingList.has(request.id)
    ) {
      return reply(
        sink,
        errorResponse(request.id, ErrorCode.InvalidRequest, 'Request id already in use.'),
      );
    }
    const imitated = imitatedMethod(request.method);
    if (imitated !== undefined) {
      return reply(
        sink,
        errorResponse(
          request.id,
          ErrorCode.MethodNotFound,
          imitationText(request.method, imitated),
        ),
      );
    }
    if (request.method === 'tools/call') return this.callTool(request, sink, context);
    if (request.method === 'tools/list') {
      const firstPage = request.params?.cursor === undefined;
      return this.requests.forward(request, sink, context, (response) =>
        this.tools.visibleList(response, firstPage),
      );
    }
    this.requests.forward(request, sink, context);
  }

  /**
   * Notifications and the client's answers to server requests go straight through, except a
   * cancellation of a held call, which withdraws it (the server never saw that request), and a
   * notification Airlock refuses: one whose method imitates a decided one, or a decided request
   * (`tools/call` with no id) that a lenient server might run though nothing decided it. Returns
   * why it was refused, or undefined once it is passed on or handled.
   */
  handleMessage(message: JsonRpcMessage, context: SendContext): string | undefined {
    this.lastActivity = this.clock.now();
    if ('method' in message) {
      const imitated = imitatedMethod(message.method);
      const refusal =
        imitated !== undefined
          ? imitationText(message.method, imitated)
          : isDecidedRequestMethod(message.method)
            ? `Airlock refused "${message.method}" sent as a notification: it decides only requests (messages with an id), so it passes on none of this method without one.`
            : undefined;
      if (refusal !== undefined) {
        this.options.logger.warn(refusal, { session: this.options.id });
        return refusal;
      }
    }
    if ('method' in message && message.method === 'notifications/cancelled') {
      const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      const held = requestId === undefined ? undefined : this.held.get(requestId);
      if (held) {
        this.options.calls.withdraw(held.approvalId, 'cancel');
        return undefined;
      }
    }
    this.channel.send(message, context);
    return undefined;
  }

  /** The client's stream for messages the server sends unasked; false if one is open already. */
  attachServerStream(stream: ClientStream): boolean {
    if (!this.routing.attach(stream)) return false;
    this.channel.openServerStream();
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const held of [...this.held.values()])
      this.options.calls.withdraw(held.approvalId, 'disconnect');
    this.requests.failAll(
      `The session with upstream server "${this.options.serverId}" was closed.`,
    );
    this.routing.end();
    await this.channel.close();
  }

  private callTool(request: JsonRpcRequest, sink: ReplySink, context: SendContext): void {
    const name = request.params?.name;
    // Only absent arguments mean none: null is forwarded as null, so it is refused like any other
    // non-object rather than decided as {}.
    const args = request.params?.arguments === undefined ? {} : request.params.arguments;
    if (typeof name !== 'string') {
      return reply(
        sink,
        errorResponse(
          request.id,
          ErrorCode.InvalidParams,
          'tools/call needs params.name, a string.',
        ),
      );
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return reply(
        sink,
        errorResponse(
          request.id,
          ErrorCode.InvalidParams,
          'tools/call params.arguments must be an object.',
        ),
      );
    }
    const toolArgs = args as Record<string, unknown>;
    if (this.tools.has(name)) return this.decideAndForward(request, name, toolArgs, sink, context);
    this.awaitingList.add(request.id);
    this.tools
      .refresh((params) => this.requests.request('tools/list', params, context))
      .finally(() => this.awaitingList.delete(request.id))
      .then(
        () => {
          if (sink.closed) return;
          if (!this.tools.has(name)) {
            return reply(
              sink,
              errorResponse(request.id, ErrorCode.InvalidParams, `Unknown tool: ${name}`),
            );
          }
          this.decideAndForward(request, name, toolArgs, sink, context);
        },
        (error: Error) =>
          reply(
            sink,
            errorResponse(
              request.id,
              ErrorCode.UpstreamUnavailable,
              `Airlock refused "${name}": it could not list the tools of upstream server "${this.options.serverId}" to check the call (${error.message}).`,
            ),
          ),
      );
  }

  private decideAndForward(
    request: JsonRpcRequest,
    tool: string,
    args: Record<string, unknown>,
    sink: ReplySink,
    context: SendContext,
  ): void {
    const { serverId: server, grant, id: session } = this.options;
    const call = { server, grant, session, tool, args };
    const admission = this.options.calls.admit(
      call,
      (verdict) => this.heldSettled(request, verdict, sink, context),
      this.tools.definitions(tool),
    );
    switch (admission.kind) {
      case 'run':
        // The upstream sees exactly the arguments that were checked: the channel serialises
        // this parsed request, whatever duplicate keys the client's text had.
        return this.requests.forward(request, sink, context, undefined, admission.callId);
      case 'refuse':
        return reply(sink, resultResponse(request.id, admission.result));
      case 'hold':
        return this.hold(request, admission.approvalId, sink);
    }
  }

  /** Keeps a held call's client waiting: progress if it asked for it, and a withdrawal if it leaves. */
  private hold(request: JsonRpcRequest, approvalId: string, sink: ReplySink): void {
    const held: Held = { approvalId };
    this.held.set(request.id, held);
    sink.onClose?.(() => {
      if (this.held.get(request.id) === held) this.options.calls.withdraw(approvalId, 'disconnect');
    });
    const progressToken = progressTokenOf(request);
    if (progressToken === undefined) return;
    let progress = 0;
    const tell = () => {
      const notification = {
        jsonrpc: '2.0' as const,
        method: 'notifications/progress',
        params: {
          progressToken,
          progress: ++progress,
          message: 'Waiting for a person to approve this call in Airlock',
        },
      };
      sink.related(serializeMessage(notification));
    };
    tell();
    held.stopProgress = repeatEvery(
      this.timers,
      this.options.heldProgressMs ?? HELD_PROGRESS_MS,
      tell,
    );
  }

  private heldSettled(
    request: JsonRpcRequest,
    verdict: HeldVerdict,
    sink: ReplySink,
    context: SendContext,
  ): void {
    const held = this.held.get(request.id);
    if (held) {
      held.stopProgress?.();
      this.held.delete(request.id);
    }
    if (verdict.kind === 'run') {
      if (this.closed) {
        this.options.calls.finished(verdict.callId, {
          failure: 'the client session closed before the call could run',
        });
        return;
      }
      return this.requests.forward(request, sink, context, undefined, verdict.callId);
    }
    reply(sink, resultResponse(request.id, verdict.result));
  }

  private fromServer(message: JsonRpcMessage, relatedTo?: RequestId): void {
    try {
      this.relay(message, relatedTo);
    } catch (error) {
      // No upstream message may end Airlock: the request it answered fails instead.
      const reason = `Airlock could not relay an answer from upstream server "${this.options.serverId}" (${(error as Error).message}).`;
      this.options.logger.error(reason, { session: this.options.id });
      const id = 'method' in message ? undefined : message.id;
      if (id !== null && id !== undefined) this.requests.fail(id, reason);
    }
  }

  private relay(message: JsonRpcMessage, relatedTo?: RequestId): void {
    if (!('method' in message)) return this.requests.answer(message);
    if (message.method === 'notifications/tools/list_changed') this.tools.forget();
    const progressToken =
      message.method === 'notifications/progress'
        ? (message.params as { progressToken?: string | number } | undefined)?.progressToken
        : undefined;
    this.routing.deliver(serializeMessage(message), progressToken, relatedTo);
  }
}

function reply(sink: ReplySink, response: JsonRpcResponse): void {
  sink.final(serializeMessage(response), response);
}

function imitationText(method: string, imitated: string): string {
  return `Airlock refused method ${JSON.stringify(method)}: it is not "${imitated}" but imitates it, so it is neither decided nor passed on.`;
}
