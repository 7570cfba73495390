// SDK clients as an agent would hold them, and the one call the bench repeats: an allowed
// get_service_status, checked so that a refused or failed call can never count as a fast one.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fetchWithoutPostSignal } from '../../src/main/adapters/mcp/stdio-bridge';

export const BENCH_TOOL = 'get_service_status';

function newClient(): Client {
  return new Client({ name: 'airlock-bench', version: '1.0.0' }, { capabilities: {} });
}

// The bench never cancels a call, so its POSTs skip the SDK's shared abort signal, as the
// stdio bridge's do (see fetchWithoutPostSignal): otherwise abort listeners pile up per call.
export async function connectHttp(url: string, token?: string): Promise<Client> {
  const client = newClient();
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers },
      fetch: fetchWithoutPostSignal,
    }),
  );
  return client;
}

/** The client spawns the server itself, as Claude Desktop does with a stdio server. */
export async function connectStdio(command: string, args: string[], cwd: string): Promise<Client> {
  const client = newClient();
  await client.connect(new StdioClientTransport({ command, args, cwd, stderr: 'inherit' }));
  return client;
}

export async function callBenchTool(client: Client): Promise<void> {
  const result = await client.callTool({ name: BENCH_TOOL, arguments: {} });
  if (result.isError) {
    const content = result.content as { type: string; text?: string }[] | undefined;
    throw new Error(`${BENCH_TOOL} failed: ${content?.[0]?.text ?? JSON.stringify(result)}`);
  }
}

/** Checks the whole path once before timing it: the answer must be the fixture's own. */
export async function checkBenchTool(client: Client, label: string): Promise<void> {
  const result = await client.callTool({ name: BENCH_TOOL, arguments: {} });
  const text = (result.content as { type: string; text?: string }[] | undefined)?.[0]?.text ?? '';
  if (result.isError || !text.includes('"operational"')) {
    throw new Error(`${label}: unexpected answer to ${BENCH_TOOL}: ${JSON.stringify(result)}`);
  }
}

export async function closeQuietly(clients: readonly (Client | undefined)[]): Promise<void> {
  await Promise.all(clients.map((client) => client?.close().catch(() => undefined)));
}
