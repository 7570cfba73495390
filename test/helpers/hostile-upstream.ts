// Airlock in this process with test/fixtures/hostile-server.ts as its stdio upstream "hostile",
// recording every line the server reads, for tests of what reaches (and comes back from) a server.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '../../src/main/core/ports';
import type { Runtime, RuntimeOptions } from '../../src/main/runtime';
import {
  addGrant,
  fixtureCommand,
  makeDataDir,
  removeDataDir,
  startAirlock,
} from './airlock-harness';

/** A tool definition for extraTools: its calls answer as echo does, with the arguments. */
export const ADD_TOOL = {
  name: 'add',
  description: 'Adds two numbers.',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
};

export interface RecordedLine {
  text: string;
  /** The line parsed, when it is JSON. */
  message?: Record<string, unknown>;
}

export interface HostileAirlock {
  runtime: Runtime;
  dataDir: string;
  /** The grant "agent"'s token. */
  token: string;
  endpoint: string;
  /**
   * With extraTools: the file the server lists them from, read again at each tools/list, so a
   * test can change the server's tools (setTools) while sessions are open.
   */
  setTools(tools: (string | { name: string; [field: string]: unknown })[]): void;
  /** Every line the upstream server has read so far. */
  upstreamLines(): RecordedLine[];
  /** The names of the tools/calls the upstream server has read. */
  toolCallsUpstream(): string[];
  close(): Promise<void>;
}

export async function startHostileAirlock(options: {
  policy: unknown;
  env?: Record<string, string>;
  settings?: Record<string, unknown>;
  logger?: Logger;
  /** More tools the server lists, by name or as whole definitions; each answers as echo does. */
  extraTools?: (string | { name: string })[];
  /** Where the data folder is made; default the system's temporary folder. */
  dataDirParent?: string;
  runtime?: Partial<RuntimeOptions>;
}): Promise<HostileAirlock> {
  const recordFile = join(mkdtempSync(join(tmpdir(), 'airlock-record-')), 'upstream.log');
  writeFileSync(recordFile, '');
  const env: Record<string, string> = { RECORD_FILE: recordFile, ...options.env };
  const toolsFile = join(dirname(recordFile), 'tools.json');
  const setTools = (extra: (string | { name: string; [field: string]: unknown })[]) => {
    const tools = extra.map((tool) =>
      typeof tool === 'string' ? { name: tool, inputSchema: { type: 'object' } } : tool,
    );
    writeFileSync(toolsFile, JSON.stringify(tools));
  };
  if (options.extraTools) {
    env.HOSTILE_TOOLS_FILE = toolsFile;
    setTools(options.extraTools);
  }
  const dataDir = makeDataDir(
    {
      mcpServers: {
        hostile: {
          ...fixtureCommand('hostile-server.ts'),
          env,
        },
      },
      ...(options.settings ? { settings: options.settings } : {}),
    },
    { hostile: options.policy },
    options.dataDirParent,
  );
  const token = addGrant(dataDir, 'agent');
  const runtime = await startAirlock(dataDir, options.logger, options.runtime);
  const upstreamLines = (): RecordedLine[] =>
    readFileSync(recordFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((text) => {
        try {
          return { text, message: JSON.parse(text) as Record<string, unknown> };
        } catch {
          return { text };
        }
      });
  return {
    runtime,
    dataDir,
    token,
    endpoint: runtime.endpointFor('hostile'),
    setTools: (tools) => {
      if (!options.extraTools) throw new Error('setTools needs extraTools at the start');
      setTools(tools);
    },
    upstreamLines,
    toolCallsUpstream: () =>
      upstreamLines()
        .filter((line) => line.message?.method === 'tools/call')
        .map((line) => String((line.message!.params as { name?: unknown } | undefined)?.name)),
    close: async () => {
      await runtime.close();
      removeDataDir(dataDir);
      rmSync(dirname(recordFile), { recursive: true, force: true });
    },
  };
}

/** Messages Airlock sends of its own accord (tool listings, pings, replays) carry ids it made. */
export function isAirlocksOwn(line: RecordedLine): boolean {
  return typeof line.message?.id === 'string' && line.message.id.startsWith('airlock-');
}
