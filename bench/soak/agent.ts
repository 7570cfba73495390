// One agent: an SDK client on one grant and one server, over Streamable HTTP or through the stdio
// bridge (`airlock connect`, a child process), sending a random mix of calls, each marked with a
// soak_id and entered in the ledger with what the agent was told. Some held calls it cancels,
// drops its connection under, or has its bridge killed under; a revocable agent has its grant
// revoked while a call is held, and then finds its token refused.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { REPO_ROOT } from '../lib/servers';
import type { HeldPlan, Ledger, SentCall } from './ledger';
import type { Person } from './person';
import type { Random } from './random';
import { APPROVAL_TIMEOUT_MS, HTTP_SERVER, STDIO_SERVER } from './setup';

/** What an agent does next; weights per agent. */
export type Action =
  | 'plain'
  | 'secret'
  | 'denied'
  | 'unlisted'
  | 'held'
  | 'cancel'
  | 'disconnect'
  | 'kill'
  | 'burst'
  | 'crash';

export type Mix = Partial<Record<Action, number>>;

export interface AgentConfig {
  name: string;
  grant: string;
  token: string;
  server: string;
  via: 'http' | 'bridge';
  mix: Mix;
}

export interface AgentDeps {
  airlockUrl: string;
  dataDir: string;
  ledger: Ledger;
  person: Person;
  random: Random;
}

/** A held call may wait APPROVAL_TIMEOUT_MS; nothing Airlock answers should take longer than this. */
const CALL_TIMEOUT_MS = 60_000;
const MAX_IN_FLIGHT = 6;
const BURST = 12;
/** A secret in the arguments: the history must keep it redacted and the soak_id readable. */
export const FAKE_KEY = 'hitl_' + 'SoakKey0'.repeat(5);

const TOOLS: Record<string, { plain: string; denied: string; unlisted?: string; held: string }> = {
  [STDIO_SERVER]: { plain: 'echo', denied: 'big', unlisted: 'twice', held: 'provision_api_key' },
  [HTTP_SERVER]: { plain: 'get_service_status', denied: 'ask_human', held: 'provision_api_key' },
};

export class Agent {
  private client?: Client;
  private transport?: StreamableHTTPClientTransport | StdioClientTransport;
  private reconnecting?: Promise<void>;
  /** Clients the soak closed or killed on purpose: their failed calls were disconnected, not lost. */
  private readonly dropped = new WeakSet<Client>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private bridgeErrors: string[] = [];
  revoked = false;
  readonly figures = { sessions: 0, abandonedSessions: 0, connectFailures: 0 };

  constructor(
    readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {}

  get endpoint(): string {
    return `${this.deps.airlockUrl}/mcp/${this.config.server}`;
  }

  async connect(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const client = new Client({ name: `soak-${this.config.name}`, version: '1.0.0' });
      const transport = this.newTransport();
      try {
        await client.connect(transport);
        this.client = client;
        this.transport = transport;
        this.figures.sessions++;
        return;
      } catch (error) {
        this.figures.connectFailures++;
        await client.close().catch(() => {});
        if (attempt >= 5) {
          throw new Error(`${this.config.name} could not connect: ${(error as Error).message}`, {
            cause: error,
          });
        }
        await sleep(500 * attempt);
      }
    }
  }

  private newTransport(): StreamableHTTPClientTransport | StdioClientTransport {
    if (this.config.via === 'http') {
      // The SDK's own fetch, so closing the client aborts its open requests: a dropped agent.
      return new StreamableHTTPClientTransport(new URL(this.endpoint), {
        requestInit: { headers: { authorization: `Bearer ${this.config.token}` } },
      });
    }
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        join(REPO_ROOT, 'bin/airlock.js'),
        'connect',
        this.config.server,
        '--data-dir',
        this.deps.dataDir,
      ],
      env: { ...getDefaultEnvironment(), AIRLOCK_TOKEN: this.config.token },
      cwd: REPO_ROOT,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      this.bridgeErrors = [...this.bridgeErrors, chunk.toString('utf8')].slice(-5);
    });
    return transport;
  }

  /** Sends the agent's mix until `deadline` (or its grant is revoked), then waits for its calls. */
  async runUntil(deadline: number): Promise<void> {
    while (Date.now() < deadline && !this.revoked) {
      await this.reconnecting;
      while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
      this.act(this.deps.random.weighted(this.config.mix as Record<Action, number>));
      await sleep(this.deps.random.between(100, 400));
    }
    await this.settled();
  }

  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.reconnecting;
  }

  private act(action: Action): void {
    const tools = TOOLS[this.config.server]!;
    const random = this.deps.random;
    switch (action) {
      case 'plain':
        return void this.send(tools.plain, { text: 'hello' });
      case 'secret':
        return void this.send(tools.plain, { api_key: FAKE_KEY, note: `Bearer ${FAKE_KEY}` });
      case 'denied':
        return void this.send(tools.denied, { mb: 1, title: 'never' });
      case 'unlisted':
        return void this.send(tools.unlisted ?? tools.denied, {});
      case 'held':
        return void this.send(tools.held, this.heldArgs());
      case 'burst':
        for (let i = 0; i < BURST; i++) void this.send(tools.plain, { burst: i });
        return;
      case 'crash':
        if (this.config.server === STDIO_SERVER) void this.send('crash', {});
        return;
      case 'cancel': {
        const controller = new AbortController();
        const sent = this.send(tools.held, this.heldArgs(), 'cancel', controller.signal);
        this.track(
          this.deps.person.whenHeld(sent.soakId, 5000).then(async (approval) => {
            if (!approval) return;
            await sleep(random.between(100, 800));
            controller.abort('the agent changed its mind');
          }),
        );
        return;
      }
      case 'disconnect':
      case 'kill': {
        if (this.reconnecting) return;
        const plan: HeldPlan = this.config.via === 'bridge' ? 'kill' : 'disconnect';
        const sent = this.send(tools.held, this.heldArgs(), plan);
        this.reconnecting = this.dropWhenHeld(sent).finally(() => {
          this.reconnecting = undefined;
        });
        return;
      }
    }
  }

  private heldArgs(): Record<string, unknown> {
    const n = this.deps.random.between(1, 1000);
    return { name: `soak key ${n}`, email: `agent${n}@example.com` };
  }

  /** Drops the connection (HTTP) or kills the bridge once the call is held, then connects anew. */
  private async dropWhenHeld(sent: SentCall): Promise<void> {
    const approval = await this.deps.person.whenHeld(sent.soakId, 5000);
    if (!approval) return; // a policy edit refused or allowed it outright
    const client = this.client!;
    const transport = this.transport!;
    this.dropped.add(client);
    if (transport instanceof StdioClientTransport) {
      // As if the bridge crashed: no DELETE, so Airlock keeps its session until the idle sweep.
      if (transport.pid !== null) process.kill(transport.pid, 'SIGKILL');
      this.figures.abandonedSessions++;
      await client.close().catch(() => {});
      await this.deps.person.whenResolved(sent.soakId, APPROVAL_TIMEOUT_MS + 5000);
    } else {
      const sessionId = transport.sessionId;
      await client.close().catch(() => {});
      // Withdrawn because the connection went, not because of the DELETE that follows.
      await this.deps.person.whenResolved(sent.soakId, APPROVAL_TIMEOUT_MS + 5000);
      if (sessionId) await this.deleteSession(sessionId);
    }
    await this.connect();
  }

  /** The agent comes back and ends its old session, as the SDK's terminateSession would. */
  private async deleteSession(sessionId: string): Promise<void> {
    await fetch(this.endpoint, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${this.config.token}`, 'mcp-session-id': sessionId },
    })
      .then((response) => response.body?.cancel())
      .catch(() => {});
  }

  /**
   * For a revocable agent: holds a call (trying again if the call was not held: the policy in
   * force may refuse it, or the grant may have too many calls waiting), has `revoke` revoke the
   * grant while it is held, then sends a few more calls, which its token no longer carries.
   */
  async revokeWhileHeld(revoke: () => Promise<void>): Promise<{ heldAtRevoke: boolean }> {
    const tools = TOOLS[this.config.server]!;
    let approval;
    for (let attempt = 0; attempt < 3 && !approval; attempt++) {
      const sent = this.send(tools.held, this.heldArgs(), 'revoke');
      approval = await this.deps.person.whenHeld(sent.soakId, 3000);
    }
    await revoke();
    this.revoked = true;
    await this.settled();
    // `airlock grants revoke` from another process is noticed within a quarter of a second.
    await sleep(1000);
    for (let i = 0; i < 3; i++) {
      this.send(tools.plain, { after_revoke: i }).afterRevoke = true;
      await this.settled();
    }
    return { heldAtRevoke: approval !== undefined };
  }

  /** Sends one call and enters it in the ledger; its outcome is filled in when it settles. */
  send(
    tool: string,
    args: Record<string, unknown>,
    plan: HeldPlan = 'normal',
    signal?: AbortSignal,
  ): SentCall {
    const { config, deps } = this;
    const sent = deps.ledger.open({
      agent: config.name,
      grant: config.grant,
      server: config.server,
      tool,
      plan,
    });
    if (plan !== 'normal') deps.person.reserve(sent.soakId);
    const client = this.client!;
    this.track(
      client
        .callTool({ name: tool, arguments: { soak_id: sent.soakId, ...args } }, undefined, {
          timeout: CALL_TIMEOUT_MS,
          ...(signal ? { signal } : {}),
        })
        .then(
          (result) => settleResult(sent, result),
          (error: unknown) => this.settleError(sent, client, error, signal),
        ),
    );
    return sent;
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private settleError(sent: SentCall, client: Client, error: unknown, signal?: AbortSignal): void {
    const message = error instanceof Error ? error.message : String(error);
    sent.detail = message.slice(0, 300);
    if (signal?.aborted) sent.outcome = 'cancelled';
    else if (error instanceof StreamableHTTPError && error.code === 401)
      sent.outcome = 'unauthorized';
    else if (this.dropped.has(client)) sent.outcome = 'disconnected';
    else if (error instanceof McpError && !/Request timed out|Connection closed/.test(message)) {
      sent.outcome = 'rpc_error';
      sent.errorCode = error.code;
    } else {
      sent.outcome = 'transport_error';
      if (this.config.via === 'bridge' && this.bridgeErrors.length > 0) {
        sent.detail += ` (bridge: ${this.bridgeErrors.join(' ').slice(0, 300)})`;
      }
    }
  }

  async close(): Promise<void> {
    const { client, transport } = this;
    if (!client || !transport) return;
    this.dropped.add(client);
    if (transport instanceof StreamableHTTPClientTransport) {
      await transport.terminateSession().catch(() => {});
    }
    // A bridge ends its session itself when its stdin closes.
    await client.close().catch(() => {});
  }
}

function settleResult(sent: SentCall, result: Record<string, unknown>): void {
  const content = (result.content as { type: string; text?: string }[] | undefined) ?? [];
  const text = content.find((block) => block.type === 'text')?.text ?? '';
  sent.detail = text.slice(0, 300);
  const decision = (result._meta as Record<string, { decidedBy?: string }> | undefined)?.[
    'airlock/decision'
  ];
  if (result.isError === true && decision) {
    sent.outcome = 'refused';
    sent.decidedBy = decision.decidedBy;
  } else if (result.isError === true) {
    sent.outcome = 'tool_error';
  } else {
    sent.outcome = 'answered';
    // The hostile server's echo returns the arguments it read: proof the call ran upstream.
    sent.echoed = text.includes(`"soak_id":${sent.soakId}`);
  }
}
