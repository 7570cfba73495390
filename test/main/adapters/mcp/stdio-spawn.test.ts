// How a stdio server is started, for agents' sessions and for connection tests: through cross-spawn
// (which runs Windows .cmd shims such as npx.cmd and uvx.cmd), never through a shell, with each
// argument from config.json reaching the real child process exactly as written; a spawn refused
// outright is a failed start, not a throw, and its message never quotes the refused value.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JsonRpcMessage } from '../../../../src/main/adapters/mcp/json-rpc';
import { probeServer } from '../../../../src/main/adapters/mcp/upstream/probe';
import { StdioChannel } from '../../../../src/main/adapters/mcp/upstream/stdio-channel';
import type { ChannelListener } from '../../../../src/main/adapters/mcp/upstream/channel';
import type { StdioServerConfig } from '../../../../src/main/core/config/types';
import { recordingLogger } from '../../../helpers/recording-logger';

// The real cross-spawn, watched: the channel must call it (and so get its Windows handling).
const spawned = vi.hoisted(() => [] as { command: string; args: string[]; options: object }[]);
vi.mock('cross-spawn', async (importOriginal) => {
  const real = ((await importOriginal()) as { default: typeof import('cross-spawn') }).default;
  const watched = (command: string, args: string[], options: object) => {
    spawned.push({ command, args, options });
    return real(command, args, options);
  };
  return { default: watched };
});

/** A server that announces the arguments it was given as its first message, then waits for stdin to end. */
const ECHO_ARGV = [
  'process.stdout.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/message",',
  '  params: { level: "info", data: process.argv.slice(1) } }) + "\\n");',
  'process.stdin.resume().on("end", () => process.exit(0));',
].join('\n');

/** An MCP server just able to initialize, named after the arguments it was given. */
const ANSWER_WITH_ARGV = [
  'const name = JSON.stringify(process.argv.slice(1));',
  'require("node:readline").createInterface({ input: process.stdin }).on("line", (line) => {',
  '  const { id, method } = JSON.parse(line);',
  '  if (id === undefined) return;',
  '  const result = method === "initialize"',
  '    ? { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name, version: "1" } }',
  '    : {};',
  '  process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id, result }) + "\\n");',
  '});',
].join('\n');

/** What a shell would expand, split or run; each must arrive as one literal argument. */
const AWKWARD_ARGS = [
  'an argument with spaces',
  'double "quotes" and \'single\' ones',
  '$HOME `whoami` $(whoami)',
  'a; echo injected && echo again | cat > out.txt',
  '*',
  '%PATH% ^& !x!',
  'back\\slash\\ "at the end\\',
  '',
];

function server(args: string[], env: Record<string, string> = {}): StdioServerConfig {
  return { id: 'argv', transport: 'stdio', command: process.execPath, args, env };
}

function listening() {
  const messages: JsonRpcMessage[] = [];
  const lost: string[] = [];
  let wake: (() => void) | undefined;
  const listener: ChannelListener = {
    message: (message) => {
      messages.push(message);
      wake?.();
    },
    refused: () => {},
    lost: (reason) => {
      lost.push(reason);
      wake?.();
    },
  };
  const until = (ready: () => boolean) =>
    new Promise<void>((resolve) => {
      wake = () => ready() && resolve();
      wake();
    });
  return { listener, messages, lost, until };
}

let channel: StdioChannel | undefined;
afterEach(async () => {
  await channel?.close();
  channel = undefined;
  spawned.length = 0;
});

describe('starting a stdio server', () => {
  it('goes through cross-spawn without a shell, and every argument reaches the child intact', async () => {
    const { listener, messages, until } = listening();
    channel = new StdioChannel(
      { server: server(['-e', ECHO_ARGV, ...AWKWARD_ARGS]), logger: recordingLogger() },
      listener,
    );
    expect(spawned).toHaveLength(1);
    expect(spawned[0]!.command).toBe(process.execPath);
    expect(spawned[0]!.options).not.toHaveProperty('shell');

    await until(() => messages.length > 0);
    const announced = messages[0] as unknown as { params: { data: string[] } };
    expect(announced.params.data).toEqual(AWKWARD_ARGS);
  });

  it('reports a spawn refused outright (a NUL byte in an env value) as a failed start, without the value', async () => {
    const { listener, lost, until } = listening();
    const logger = recordingLogger();
    // Before: the constructor threw, failing whatever opened the session.
    channel = new StdioChannel(
      { server: server(['-e', ECHO_ARGV], { API_KEY: 'sk-secret\u0000value' }), logger },
      listener,
    );
    await until(() => lost.length > 0);
    expect(lost[0]).toMatch(
      /^Upstream server "argv" could not be started: .*options\.env.*API_KEY.* without null bytes\.$/,
    );
    expect(JSON.stringify([lost, logger.lines])).not.toContain('sk-secret');
  });

  // The connection test starts servers through the SDK's StdioClientTransport, which calls
  // cross-spawn itself (shell: false), so it handles .cmd shims the same way.
  it('in a connection test, passes the same arguments intact', async () => {
    const result = await probeServer(server(['-e', ANSWER_WITH_ARGV, ...AWKWARD_ARGS]), 10_000);
    expect(result).toMatchObject({ ok: true, serverInfo: { name: JSON.stringify(AWKWARD_ARGS) } });
  });

  it('in a connection test, explains a refused spawn without the value it refused', async () => {
    const result = await probeServer(
      server(['-e', ANSWER_WITH_ARGV], { API_KEY: 'sk-secret\u0000value' }),
      10_000,
    );
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).toMatch(/options\.env.*API_KEY.* without null bytes/);
    expect(JSON.stringify(result)).not.toContain('sk-secret');
  });
});
