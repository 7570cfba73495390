// A short-lived MCP client for one server entry: connect (start the process, or reach the URL),
// initialize, list the tools, disconnect. Used to test an entry before it is saved and to show a
// server's tools; it never touches the sessions agents have open. Everything is bounded in time.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { z } from 'zod';
import type { ProbeResult, UpstreamTool } from '../../../core/api/server-handlers';
import type { ServerConfig } from '../../../core/config/types';
import { errorMessage } from '../../../../shared/error-message';
import { spawnRefusal } from './stdio-channel';

/** A stdio server's last words on stderr are kept to explain why it failed. */
const STDERR_TAIL_CHARS = 1000;
/** At most this many pages of tools/list. */
const MAX_PAGES = 20;

/**
 * A tools/list result read as sent: the SDK's own schema drops annotation keys it does not know,
 * and a tool's definition is pinned whole (the proxy pins the same bytes), so only the shape
 * needed to page through it is checked here.
 */
const RawToolList = z.looseObject({
  tools: z.array(z.unknown()),
  nextCursor: z.string().optional(),
});

export async function probeServer(server: ServerConfig, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let stderr = '';
  const transport = createTransport(server, (chunk) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const client = new Client({ name: 'airlock-probe', version: '1.0.0' }, { capabilities: {} });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProbeTimeout(`no answer within ${formatSeconds(timeoutMs)}`)),
      timeoutMs,
    );
  });
  try {
    const found = await Promise.race([listTools(client, transport, timeoutMs), timeout]);
    return { ok: true, ...found, elapsedMs: elapsed() };
  } catch (error) {
    return { ok: false, error: explain(server, error, stderr), elapsedMs: elapsed() };
  } finally {
    clearTimeout(timer);
    // The SDK ends stdin, then signals; the caller need not wait for a slow process to go.
    void client.close().catch(() => {});
  }
}

async function listTools(
  client: Client,
  transport: Transport,
  timeoutMs: number,
): Promise<{ serverInfo: { name: string; version: string }; tools: UpstreamTool[] }> {
  await client.connect(transport, { timeout: timeoutMs });
  const info = client.getServerVersion();
  const tools: UpstreamTool[] = [];
  if (client.getServerCapabilities()?.tools !== undefined) {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await client.request(
        { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
        RawToolList,
        { timeout: timeoutMs },
      );
      for (const tool of result.tools) {
        // Entries that are not tools (no string name) are left out, as the proxy leaves them.
        if (isTool(tool)) tools.push(tool);
      }
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
  }
  return {
    serverInfo: { name: info?.name ?? '(unnamed)', version: info?.version ?? '' },
    tools,
  };
}

function isTool(value: unknown): value is UpstreamTool {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}

function createTransport(server: ServerConfig, onStderr: (chunk: string) => void): Transport {
  switch (server.transport) {
    case 'stdio': {
      const transport = new StdioClientTransport({
        command: server.command,
        args: server.args,
        // As for agents' sessions: a minimal environment, so Airlock's own secrets stay here.
        env: { ...getDefaultEnvironment(), ...server.env },
        ...(server.cwd !== undefined ? { cwd: server.cwd } : {}),
        stderr: 'pipe',
      });
      transport.stderr?.on('data', (chunk: Buffer | string) => onStderr(String(chunk)));
      return transport;
    }
    case 'http':
      return new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: server.headers },
      });
    case 'sse':
      return new SSEClientTransport(new URL(server.url), {
        requestInit: { headers: server.headers },
      });
  }
}

class ProbeTimeout extends Error {}

/** One sentence a person can act on; never quotes env or header values. */
function explain(server: ServerConfig, error: unknown, stderr: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const tail = stderr.trim() ? ` Its stderr: ${stderr.trim().slice(-500)}` : '';
  if (server.transport === 'stdio') {
    if (code === 'ENOENT') {
      return `Cannot start "${server.command}": no such command or working folder (ENOENT).`;
    }
    if (code === 'EACCES') return `Cannot start "${server.command}": permission denied (EACCES).`;
    if (error instanceof ProbeTimeout) {
      return `The server started but gave ${error.message} to initialize or tools/list.${tail}`;
    }
    // Without the value a refused spawn quotes (an env value with a NUL byte, say).
    const message = spawnRefusal(error);
    return /closed|exit/i.test(message)
      ? `The server exited before answering (${message}).${tail}`
      : `${message}${tail}`;
  }
  if (error instanceof ProbeTimeout) return `${server.url} gave ${error.message}.`;
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const reason = cause?.code ?? cause?.message;
  return `Cannot reach ${server.url}: ${errorMessage(error)}${reason ? ` (${reason})` : ''}`;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
