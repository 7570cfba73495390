// One client's MCP session with one upstream server. Everything passes through untouched except
// what the policy decides: each tools/call is admitted by the call guard (run, refuse, or hold for
// a person) before it can reach the server, and tools/list leaves out the tools the policy denies
// this grant outright. Every tool listing is shown to the tool pins, and each call carries the
// definition its session last listed, so a changed definition is caught (core/tools/tool-pins.ts).
import type { ServerResponse } from 'node:http';
import type { CallGuard, HeldVerdict } from '../../core/calls/call-guard';
import type { Gatekeeper } from '../../core/gatekeeper';
import type { Logger } from '../../core/ports';
import { readToolList, type SeenDefinition } from '../../core/tools/tool-definition';
import type { ToolPins } from '../../core/tools/tool-pins';
import { startEventStream } from '../http/sse';
import { messageEvent, type ReplySink } from './downstream-reply';
import {
  ErrorCode,
  errorResponse,
  imitatedMethod,
  progressTokenOf,
  resultResponse,
  serializeMessage,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from './json-rpc';
import {
  internalRequestId,
  type ChannelFactory,
  type SendContext,
  type UpstreamChannel,
} from './upstream/channel';

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
}

interface Pending {
  sink: ReplySink;
  method: string;
  timer: NodeJS.Timeout;
  progressToken?: string | number;
  /** Rewrites the response before it reaches the client (tools/list filtering). */
  rewrite?: (response: JsonRpcResponse) => JsonRpcResponse;
  /** The history row of a tools/call. */
  callId?: number;
}

/** A tools/call waiting for a person. */
interface Held {
  approvalId: string;
  progressTimer?: NodeJS.Timeout;
}

/** Messages for the client that arrived while it had no stream open; kept, up to a cap. */
const BACKLOG_LIMIT = 1000;
const TOOL_LIST_PAGE_LIMIT = 100;
// Clients commonly give up on a request after 60 s without news; progress resets that clock.
const HELD_PROGRESS_MS = 10_000;

export class ProxySession {
  readonly channel: UpstreamChannel;
  private readonly pending = new Map<RequestId, Pending>();
  private readonly held = new Map<RequestId, Held>();
  private readonly progressRoutes = new Map<string | number, RequestId>();
  private serverStream?: ServerResponse;
  private readonly backlog: string[] = [];
  /**
   * The tools the server has listed in this session, each with its definition as last listed;
   * undefined until known or after the server said its list changed.
   */
  private knownTools?: Map<string, SeenDefinition>;
  private toolRefresh?: Promise<void>;
  private closed = false;
  lastActivity = Date.now();

  constructor(private readonly options: SessionOptions) {
    this.channel = options.openChannel({
      message: (message, relatedTo) => this.fromServer(message, relatedTo),
      refused: (reason, relatedTo) => this.answerFailed(relatedTo, reason),
      lost: (reason) => {
        options.onUpstreamLost?.(reason);
        this.failAll(reason);
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
    return this.pending.size > 0 || this.held.size > 0 || this.serverStream !== undefined;
  }

  /**
   * A client request, as parsed: what goes upstream is serialised from it by the channel, so no
   * text the client sent can become a second upstream message.
   */
  handleRequest(request: JsonRpcRequest, sink: ReplySink, context: SendContext): void {
    this.lastActivity = Date.now();
    if (this.pending.has(request.id) || this.held.has(request.id)) {
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
      return this.forward(request, sink, context, (response) => this.visibleToolList(response));
    }
    this.forward(request, sink, context);
  }

  /**
   * Notifications and the client's answers to server requests go straight through, except a
   * cancellation of a held call, which withdraws it (the server never saw that request), and a
   * notification whose method imitates a decided one, which is dropped.
   */
  handleMessage(message: JsonRpcMessage, context: SendContext): void {
    this.lastActivity = Date.now();
    if ('method' in message) {
      const imitated = imitatedMethod(message.method);
      if (imitated !== undefined) {
        this.options.logger.warn(imitationText(message.method, imitated), {
          session: this.options.id,
        });
        return;
      }
    }
    if ('method' in message && message.method === 'notifications/cancelled') {
      const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      const held = requestId === undefined ? undefined : this.held.get(requestId);
      if (held) {
        this.options.calls.withdraw(held.approvalId, 'cancel');
        return;
      }
    }
    this.channel.send(message, context);
  }

  attachServerStream(res: ServerResponse, headers: Record<string, string>): boolean {
    if (this.serverStream && !this.serverStream.destroyed) return false;
    this.serverStream = res;
    startEventStream(res, headers);
    res.flushHeaders();
    for (const text of this.backlog.splice(0)) res.write(messageEvent(text));
    res.on('close', () => {
      if (this.serverStream === res) this.serverStream = undefined;
      this.lastActivity = Date.now();
    });
    this.channel.openServerStream();
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const held of [...this.held.values()])
      this.options.calls.withdraw(held.approvalId, 'disconnect');
    this.failAll(`The session with upstream server "${this.options.serverId}" was closed.`);
    this.serverStream?.end();
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
    if (this.knownTools?.has(name)) {
      return this.decideAndForward(request, name, toolArgs, sink, context);
    }
    this.refreshTools(context).then(
      () => {
        if (sink.closed) return;
        if (!this.knownTools?.has(name)) {
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
      this.knownTools?.get(tool),
    );
    switch (admission.kind) {
      case 'run':
        return this.runCall(request, sink, context, admission.callId);
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
    held.progressTimer = setInterval(tell, this.options.heldProgressMs ?? HELD_PROGRESS_MS);
  }

  private heldSettled(
    request: JsonRpcRequest,
    verdict: HeldVerdict,
    sink: ReplySink,
    context: SendContext,
  ): void {
    const held = this.held.get(request.id);
    if (held) {
      clearInterval(held.progressTimer);
      this.held.delete(request.id);
    }
    if (verdict.kind === 'run') {
      if (this.closed) {
        this.options.calls.finished(verdict.callId, {
          failure: 'the client session closed before the call could run',
        });
        return;
      }
      return this.runCall(request, sink, context, verdict.callId);
    }
    reply(sink, resultResponse(request.id, verdict.result));
  }

  /**
   * Forwards an admitted tools/call. Like every message it is serialised from the parsed object:
   * the upstream sees exactly the arguments that were checked, even if the client's text had
   * duplicate keys that another parser reads differently.
   */
  private runCall(
    request: JsonRpcRequest,
    sink: ReplySink,
    context: SendContext,
    callId: number,
  ): void {
    this.forward(request, sink, context, undefined, callId);
  }

  private forward(
    request: JsonRpcRequest,
    sink: ReplySink,
    context: SendContext,
    rewrite?: Pending['rewrite'],
    callId?: number,
  ): void {
    const progressToken = progressTokenOf(request);
    const pending: Pending = {
      sink,
      method: request.method,
      timer: setTimeout(() => this.timeOut(request.id), this.options.timeoutMs),
      progressToken,
      rewrite,
      callId,
    };
    this.pending.set(request.id, pending);
    if (progressToken !== undefined) this.progressRoutes.set(progressToken, request.id);
    this.channel.send(request, context);
  }

  private fromServer(message: JsonRpcMessage, relatedTo?: RequestId): void {
    try {
      this.relay(message, relatedTo);
    } catch (error) {
      // No upstream message may end Airlock: the request it answered fails instead.
      const reason = `Airlock could not relay an answer from upstream server "${this.options.serverId}" (${(error as Error).message}).`;
      this.options.logger.error(reason, { session: this.options.id });
      const id = 'method' in message ? undefined : message.id;
      if (id !== null && id !== undefined) this.answerFailed(id, reason);
    }
  }

  private relay(message: JsonRpcMessage, relatedTo?: RequestId): void {
    if (!('method' in message)) {
      const pending = message.id === null ? undefined : this.pending.get(message.id);
      if (!pending) return; // an answer to a request that timed out or was withdrawn
      const text = serializeMessage(pending.rewrite ? pending.rewrite(message) : message);
      this.settle(message.id as RequestId, pending);
      pending.sink.final(text);
      if (pending.callId !== undefined)
        this.options.calls.finished(pending.callId, { response: message });
      return;
    }
    if (message.method === 'notifications/tools/list_changed') this.knownTools = undefined;
    const text = serializeMessage(message);
    if (message.method === 'notifications/progress') {
      const token = (message.params as { progressToken?: string | number } | undefined)
        ?.progressToken;
      const target = token === undefined ? undefined : this.progressRoutes.get(token);
      if (target !== undefined && this.pending.get(target)?.sink.related(text)) return;
    }
    if (relatedTo !== undefined && this.pending.get(relatedTo)?.sink.related(text)) return;
    this.toClient(text);
  }

  /** The server's answer to request `id` cannot be relayed: the client gets `reason` instead. */
  private answerFailed(id: RequestId, reason: string): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.settle(id, pending);
    reply(pending.sink, errorResponse(id, ErrorCode.UpstreamUnavailable, reason));
    if (pending.callId !== undefined)
      this.options.calls.finished(pending.callId, { failure: reason });
  }

  /**
   * A server message that no transport tied to a request. With one request open it most likely
   * belongs to it (a stdio server's sampling request mid-call); otherwise it goes on the client's
   * own stream, or waits for one.
   */
  private toClient(text: string): void {
    const open = [...this.pending.values()].filter(
      (pending) => !(pending.sink instanceof InternalSink),
    );
    if (open.length === 1 && open[0]!.sink.related(text)) return;
    if (this.serverStream && !this.serverStream.destroyed) {
      this.serverStream.write(messageEvent(text));
      return;
    }
    for (let index = open.length - 1; index >= 0; index--)
      if (open[index]!.sink.related(text)) return;
    if (this.backlog.length >= BACKLOG_LIMIT) this.backlog.shift();
    this.backlog.push(text);
  }

  private timeOut(id: RequestId): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.settle(id, pending);
    const seconds = Math.round(this.options.timeoutMs / 100) / 10;
    const message = `Upstream server "${this.options.serverId}" did not answer ${pending.method} within ${seconds} s.`;
    reply(pending.sink, errorResponse(id, ErrorCode.RequestTimeout, message));
    if (pending.callId !== undefined)
      this.options.calls.finished(pending.callId, { failure: message });
    const cancel = {
      jsonrpc: '2.0' as const,
      method: 'notifications/cancelled',
      params: { requestId: id, reason: 'Timed out in Airlock' },
    };
    this.channel.send(cancel, {});
    this.channel.abandon(id);
    this.channel.requestTimedOut();
  }

  private settle(id: RequestId, pending: Pending): void {
    clearTimeout(pending.timer);
    this.pending.delete(id);
    if (pending.progressToken !== undefined) this.progressRoutes.delete(pending.progressToken);
  }

  private failAll(reason: string): void {
    for (const [id, pending] of [...this.pending]) {
      this.settle(id, pending);
      reply(pending.sink, errorResponse(id, ErrorCode.UpstreamUnavailable, reason));
      if (pending.callId !== undefined)
        this.options.calls.finished(pending.callId, { failure: reason });
    }
  }

  private visibleToolList(response: JsonRpcResponse): JsonRpcResponse {
    const result = response.result as { tools?: unknown } | undefined;
    if (!result || !Array.isArray(result.tools)) return response;
    this.rememberTools(readToolList(result.tools));
    const { serverId, grant } = this.options;
    const tools = result.tools.filter(
      (tool: { name?: unknown }) =>
        typeof tool?.name === 'string' &&
        this.options.gatekeeper.isToolVisible(serverId, grant, tool.name),
    );
    return { ...response, result: { ...result, tools } };
  }

  /** One page of a listing: later pages add to what earlier ones listed. */
  private rememberTools(listed: SeenDefinition[]): void {
    this.knownTools ??= new Map();
    for (const seen of listed) this.knownTools.set(seen.definition.name, seen);
    this.options.pins?.observe(this.options.serverId, listed);
  }

  /** Lists every tool the server has (all pages), once even if several calls ask at the same time. */
  private refreshTools(context: SendContext): Promise<void> {
    this.toolRefresh ??= (async () => {
      const listed: SeenDefinition[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < TOOL_LIST_PAGE_LIMIT; page++) {
        const result = (await this.internalRequest(
          'tools/list',
          cursor ? { cursor } : {},
          context,
        )) as { tools?: unknown; nextCursor?: unknown };
        listed.push(...readToolList(result.tools));
        if (typeof result.nextCursor !== 'string') break;
        cursor = result.nextCursor;
      }
      this.knownTools = undefined;
      this.rememberTools(listed);
    })().finally(() => {
      this.toolRefresh = undefined;
    });
    return this.toolRefresh;
  }

  private internalRequest(
    method: string,
    params: Record<string, unknown>,
    context: SendContext,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const request: JsonRpcRequest = {
        jsonrpc: '2.0',
        id: internalRequestId('list'),
        method,
        params,
      };
      this.forward(request, new InternalSink(resolve, reject), context);
    });
  }
}

/** Receives the answer to a request Airlock itself sent upstream. */
class InternalSink implements ReplySink {
  closed = false;
  constructor(
    private readonly resolve: (result: unknown) => void,
    private readonly reject: (error: Error) => void,
  ) {}
  related(): boolean {
    return false;
  }
  final(text: string): void {
    this.closed = true;
    const response = JSON.parse(text) as JsonRpcResponse;
    if (response.error) this.reject(new Error(response.error.message));
    else this.resolve(response.result);
  }
}

function reply(sink: ReplySink, response: JsonRpcResponse): void {
  sink.final(serializeMessage(response));
}

function imitationText(method: string, imitated: string): string {
  return `Airlock refused method ${JSON.stringify(method)}: it is not "${imitated}" but imitates it, so it is neither decided nor passed on.`;
}
