// An upstream MCP server run as a child process speaking newline-delimited JSON-RPC on stdio.
// One process per client session, as Claude Desktop runs them, so server state and server-to-client
// requests never mix between clients. A process that exits is restarted with backoff and the
// client's handshake is replayed, so the session carries on.
import type { ChildProcess } from 'node:child_process';
import crossSpawn from 'cross-spawn';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { RestartBackoff, type BackoffOptions } from './restart-backoff';
import type { StdioServerConfig } from '../../../core/config/types';
import type { Logger } from '../../../core/ports';
import { ErrorCode, errorResponse, serializeMessage, type JsonRpcMessage } from '../json-rpc';
import {
  HandshakeRecorder,
  internalRequestId,
  type ChannelListener,
  type UpstreamChannel,
} from './channel';
import { MAX_JSON_DEPTH } from '../../../core/bounded-json';
import { errorMessage } from '../../../../shared/error-message';
import { LineReader } from './line-reader';
import {
  cutHeadExcerpt,
  logExcerpt,
  readUpstreamText,
  recoverResponseId,
  tooLargeReason,
} from './upstream-message';

export interface StdioChannelOptions {
  server: StdioServerConfig;
  logger: Logger;
  backoff?: BackoffOptions;
  /** One message (one stdout line) larger than this is dropped and the request it answers fails. */
  maxMessageBytes?: number;
  /** How long a ping may take before the process counts as stuck. */
  pingTimeoutMs?: number;
}

type State = 'running' | 'replaying' | 'restarting' | 'closed';

const QUEUE_LIMIT = 1000;
const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** A stderr line longer than this is logged in part. */
const MAX_STDERR_LINE_BYTES = 64 * 1024;
/** A server that floods stderr gets this many lines logged per second; the rest are counted. */
const STDERR_LINES_PER_SECOND = 20;

export class StdioChannel implements UpstreamChannel {
  private child?: ChildProcess;
  private state: State = 'running';
  private readonly handshake = new HandshakeRecorder();
  private readonly queue: string[] = [];
  private replayId?: string;
  private readonly backoff: RestartBackoff;
  private restartTimer?: NodeJS.Timeout;
  private restartAt = 0;
  private exitReason?: string;
  private pingId?: string;
  private pingTimer?: NodeJS.Timeout;
  private invalidLines = 0;
  private exited?: Promise<void>;
  private stderrBudget = { second: 0, logged: 0, dropped: 0 };

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
    this.exitReason = undefined;
    this.backoff.up();
    let child: ChildProcess;
    try {
      // cross-spawn runs a Windows .cmd shim (npx.cmd, uvx.cmd) through cmd.exe with each argument
      // quoted for it, where a plain spawn fails; elsewhere it is child_process.spawn unchanged.
      // Never `shell: true`: the arguments come from config.json and must stay arguments.
      child = crossSpawn(command, args, {
        // Only a minimal inherited environment: Airlock's own secrets must not reach the server.
        env: { ...getDefaultEnvironment(), ...env },
        cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      // Refused before any process existed (Node refuses a NUL byte in an argument, cross-spawn a
      // line break it would have to pass to cmd.exe): a start that failed, on the next tick as a
      // spawn error would be, so the session hears of it and it is retried with backoff.
      this.child = undefined;
      const reason = `could not be started: ${spawnRefusal(error)}`;
      process.nextTick(() => this.onExit(reason, undefined));
      return;
    }
    this.child = child;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    const stdout = new LineReader(this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, {
      line: (line) => this.guarded(() => this.onLine(line)),
      oversized: (bytes, head, tail) => this.guarded(() => this.onOversized(bytes, head, tail)),
    });
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    // Whole lines, so a key the server prints is never split across two log entries, where the
    // log's redaction would see neither half as a key.
    const stderr = new LineReader(MAX_STDERR_LINE_BYTES, {
      line: (line) => this.logStderr(line),
      oversized: (bytes, head) => this.logStderr(cutHeadExcerpt(head, bytes)),
    });
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
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

  send(message: JsonRpcMessage): void {
    this.handshake.record(message);
    const raw = serializeMessage(message);
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

  closeServerStream(): void {}

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
    this.write(serializeMessage({ jsonrpc: '2.0', id: this.pingId, method: 'ping' }));
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
    this.listener.message(
      errorResponse(
        message.id,
        ErrorCode.UpstreamUnavailable,
        `Upstream server "${this.id}" ${why}.`,
      ),
      message.id,
    );
  }

  /** One bad line must not end Airlock: what goes wrong handling it is logged, and the line dropped. */
  private guarded(handle: () => void): void {
    try {
      handle();
    } catch (error) {
      this.options.logger.error(`upstream ${this.id}: a message could not be handled`, {
        error: (error as Error).message,
      });
    }
  }

  private onLine(line: string): void {
    const trimmed = line.trim();
    if (trimmed === '') return;
    const read = readUpstreamText(trimmed);
    if (read.kind === 'not-json-rpc') {
      // Servers that print a stray log line to stdout still work with other clients; skip it.
      this.invalidLines++;
      this.options.logger.warn(`upstream ${this.id} wrote a line that is not JSON-RPC`, {
        line: logExcerpt(trimmed),
        count: this.invalidLines,
      });
      return;
    }
    if (read.kind === 'too-deep') return this.dropMessage(read.reason, read.id, read.isRequest);
    const parsed = read.message;
    if (this.pingId !== undefined && 'id' in parsed && parsed.id === this.pingId) {
      clearTimeout(this.pingTimer);
      this.pingId = undefined;
      return;
    }
    if (this.state === 'replaying' && 'id' in parsed && parsed.id === this.replayId) {
      this.finishReplay();
      return;
    }
    this.listener.message(parsed);
  }

  private onOversized(bytes: number, head: string, tail: string): void {
    const limit = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.dropMessage(tooLargeReason(bytes, limit), recoverResponseId(head, tail), false);
  }

  /**
   * A message Airlock will not relay: the request it answered fails; a request from the server
   * (only a too-deep one can be told apart) gets an error back, so the server does not wait on it.
   */
  private dropMessage(reason: string, id: string | number | undefined, isRequest: boolean): void {
    this.options.logger.warn(`upstream ${this.id} ${reason}`);
    if (isRequest) {
      if (id !== undefined) {
        const text = `Airlock did not relay this request: it is nested deeper than ${MAX_JSON_DEPTH} levels.`;
        this.write(serializeMessage(errorResponse(id, ErrorCode.InvalidRequest, text)));
      }
      return;
    }
    if (id !== undefined) this.listener.refused(`Upstream server "${this.id}" ${reason}.`, id);
  }

  private logStderr(line: string): void {
    const second = Math.floor(Date.now() / 1000);
    const budget = this.stderrBudget;
    if (budget.second !== second) {
      if (budget.dropped > 0) {
        this.options.logger.warn(
          `upstream ${this.id} stderr: ${budget.dropped} more lines were not logged`,
        );
      }
      this.stderrBudget = { second, logged: 0, dropped: 0 };
    }
    if (this.stderrBudget.logged >= STDERR_LINES_PER_SECOND) {
      this.stderrBudget.dropped++;
      return;
    }
    this.stderrBudget.logged++;
    this.options.logger.info(`upstream ${this.id} stderr`, { text: logExcerpt(line, 2000) });
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

  private onExit(reason: string, child: ChildProcess | undefined): void {
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

/**
 * Why spawning was refused, without the value refused: Node's message quotes it ("Received
 * '...'"), and an argument or an env value may be a secret.
 */
export function spawnRefusal(error: unknown): string {
  const message = errorMessage(error);
  const received = message.indexOf(' Received ');
  return received < 0 ? message : message.slice(0, received).replace(/\.$/, '');
}
