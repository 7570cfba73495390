// An upstream MCP server run as a child process speaking newline-delimited JSON-RPC on stdio.
// One process per client session, as Claude Desktop runs them, so server state and server-to-client
// requests never mix between clients. A process that exits is restarted with backoff and the
// client's handshake is replayed, so the session carries on.
import { spawn, type ChildProcess } from 'node:child_process';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { RestartBackoff, type BackoffOptions } from './restart-backoff';
import type { StdioServerConfig } from '../../../core/config/types';
import type { Logger } from '../../../core/ports';
import { ErrorCode, errorResponse, messageKind, type JsonRpcMessage } from '../json-rpc';
import {
  HandshakeRecorder,
  internalRequestId,
  type ChannelListener,
  type UpstreamChannel,
} from './channel';

export interface StdioChannelOptions {
  server: StdioServerConfig;
  logger: Logger;
  backoff?: BackoffOptions;
  /** A process that wrote this much without a newline is not speaking JSON-RPC. */
  maxLineBytes?: number;
  /** How long a ping may take before the process counts as stuck. */
  pingTimeoutMs?: number;
}

type State = 'running' | 'replaying' | 'restarting' | 'closed';

const QUEUE_LIMIT = 1000;

export class StdioChannel implements UpstreamChannel {
  private child?: ChildProcess;
  private state: State = 'running';
  private readonly handshake = new HandshakeRecorder();
  private readonly queue: string[] = [];
  private buffer = '';
  private replayId?: string;
  private readonly backoff: RestartBackoff;
  private restartTimer?: NodeJS.Timeout;
  private restartAt = 0;
  private exitReason?: string;
  private pingId?: string;
  private pingTimer?: NodeJS.Timeout;
  private invalidLines = 0;
  private exited?: Promise<void>;

  constructor(
    private readonly options: StdioChannelOptions,
    private readonly listener: ChannelListener,
  ) {
    this.backoff = new RestartBackoff(options.backoff);
    this.start();
  }

  private get id(): string {
    return this.options.server.id;
  }

  private start(): void {
    const { command, args, env, cwd } = this.options.server;
    this.buffer = '';
    this.exitReason = undefined;
    this.backoff.up();
    const child = spawn(command, args, {
      // Only a minimal inherited environment: Airlock's own secrets must not reach the server.
      env: { ...getDefaultEnvironment(), ...env },
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) =>
      this.options.logger.info(`upstream ${this.id} stderr`, { text: chunk.slice(0, 2000) }),
    );
    // A write to a process that just died fails with EPIPE; its exit is reported separately.
    child.stdin!.on('error', () => {});
    child.once('error', (error) => this.onExit(`could not be started: ${error.message}`, child));
    child.once('exit', (code, signal) =>
      this.onExit(signal ? `was killed by ${signal}` : `exited with code ${code}`, child),
    );

    const replay = this.handshake.replayRequest();
    if (replay) {
      this.state = 'replaying';
      this.replayId = replay.id;
      this.write(replay.raw);
    } else {
      this.state = 'running';
    }
  }

  send(message: JsonRpcMessage, raw: string): void {
    this.handshake.record(message, raw);
    switch (this.state) {
      case 'running':
        this.write(raw);
        return;
      case 'replaying':
        if (this.queue.length < QUEUE_LIMIT) this.queue.push(raw);
        else this.refuse(message, 'has too many messages waiting while it restarts');
        return;
      case 'restarting': {
        const seconds = Math.max(1, Math.ceil((this.restartAt - Date.now()) / 1000));
        this.refuse(
          message,
          `is restarting after it ${this.exitReason}; try again in ${seconds} s`,
        );
        return;
      }
      case 'closed':
        this.refuse(message, 'is closed');
    }
  }

  openServerStream(): void {
    // A stdio server's own messages already flow on stdout.
  }

  abandon(): void {}

  /**
   * A request timed out. A server busy with one long call still answers ping; one that does not
   * within pingTimeoutMs is stuck, and is killed and restarted.
   */
  requestTimedOut(): void {
    if (!this.child) return;
    if (this.state === 'replaying') {
      // Still not through its handshake a whole request timeout after a restart: stuck.
      return this.kill('did not answer its handshake after a restart and was killed');
    }
    if (this.state !== 'running' || this.pingId !== undefined) return;
    this.pingId = internalRequestId('ping');
    this.write(JSON.stringify({ jsonrpc: '2.0', id: this.pingId, method: 'ping' }));
    const timeoutMs = this.options.pingTimeoutMs ?? 5000;
    this.pingTimer = setTimeout(() => {
      this.pingId = undefined;
      this.kill(`did not answer a ping within ${timeoutMs / 1000} s and was killed`);
    }, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.restartTimer);
    clearTimeout(this.pingTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // The MCP stdio shutdown sequence: close stdin, then SIGTERM, then SIGKILL.
    child.stdin!.end();
    const term = setTimeout(() => child.kill('SIGTERM'), 1000);
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(term);
    clearTimeout(kill);
  }

  private write(raw: string): void {
    this.child?.stdin!.write(raw + '\n');
  }

  private refuse(message: JsonRpcMessage, why: string): void {
    if (!('id' in message) || !('method' in message)) return;
    const response = errorResponse(
      message.id,
      ErrorCode.UpstreamUnavailable,
      `Upstream server "${this.id}" ${why}.`,
    );
    this.listener.message(response, JSON.stringify(response), message.id);
  }

  private onData(chunk: string): void {
    let text = this.buffer.length > 0 ? this.buffer + chunk : chunk;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      const line = text.slice(0, newline);
      text = text.slice(newline + 1);
      this.onLine(line);
      newline = text.indexOf('\n');
    }
    this.buffer = text;
    const limit = this.options.maxLineBytes ?? 64 * 1024 * 1024;
    if (this.buffer.length > limit) {
      this.buffer = '';
      this.kill(
        `wrote over ${Math.round(limit / 1048576)} MiB without a line break and was killed`,
      );
    }
  }

  private onLine(line: string): void {
    const trimmed = line.trim();
    if (trimmed === '') return;
    let message: unknown;
    try {
      message = JSON.parse(trimmed);
    } catch {
      message = undefined;
    }
    if (messageKind(message) === undefined) {
      // Servers that print a stray log line to stdout still work with other clients; skip it.
      this.invalidLines++;
      this.options.logger.warn(`upstream ${this.id} wrote a line that is not JSON-RPC`, {
        line: trimmed.slice(0, 200),
        count: this.invalidLines,
      });
      return;
    }
    const parsed = message as JsonRpcMessage;
    if (this.pingId !== undefined && 'id' in parsed && parsed.id === this.pingId) {
      clearTimeout(this.pingTimer);
      this.pingId = undefined;
      return;
    }
    if (this.state === 'replaying' && 'id' in parsed && parsed.id === this.replayId) {
      this.finishReplay();
      return;
    }
    this.listener.message(parsed, trimmed);
  }

  private finishReplay(): void {
    this.state = 'running';
    this.replayId = undefined;
    const initialized = this.handshake.replayNotification();
    if (initialized) this.write(initialized);
    for (const raw of this.queue.splice(0)) this.write(raw);
  }

  private kill(reason: string): void {
    this.exitReason = reason;
    this.child?.kill('SIGKILL');
  }

  private onExit(reason: string, child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = undefined;
    clearTimeout(this.pingTimer);
    this.pingId = undefined;
    const why = this.exitReason ?? reason;
    this.queue.length = 0;
    if (this.state === 'closed') return;
    const delay = this.backoff.failed();
    this.state = 'restarting';
    this.exitReason = why;
    this.restartAt = Date.now() + delay;
    this.options.logger.warn(`upstream ${this.id} ${why}; restarting in ${delay} ms`);
    this.listener.lost(`Upstream server "${this.id}" ${why}.`);
    this.restartTimer = setTimeout(() => this.start(), delay);
  }
}
