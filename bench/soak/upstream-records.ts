// Reads what the two upstream servers recorded: the hostile stdio server appends every line it
// reads (RECORD_FILE), the MeatSpace HTTP server a line per start and per tools/call
// (MEATSPACE_TRACE_FILE). Both files are appended to by every process of their server.
import { readFileSync } from 'node:fs';
import type { UpstreamCall } from './checks';

export interface UpstreamRecords {
  calls: UpstreamCall[];
  /** Hostile server processes started: one initialize each (a session's first, or a replay). */
  stdioProcesses: number;
  /** Of those, started again after the previous one exited (Airlock replays the handshake). */
  stdioRestarts: number;
  /** Times the HTTP server started. */
  httpStarts: number;
  /** Lines that were not JSON (none expected: Airlock writes one message per line). */
  unreadable: number;
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

function soakIdOf(args: unknown): number | undefined {
  const id = (args as { soak_id?: unknown } | null | undefined)?.soak_id;
  return typeof id === 'number' ? id : undefined;
}

export function readUpstreamRecords(
  stdio: { server: string; recordFile: string },
  http: { server: string; traceFile: string },
): UpstreamRecords {
  const records: UpstreamRecords = {
    calls: [],
    stdioProcesses: 0,
    stdioRestarts: 0,
    httpStarts: 0,
    unreadable: 0,
  };
  for (const line of lines(stdio.recordFile)) {
    let message: {
      id?: unknown;
      method?: unknown;
      params?: { name?: unknown; arguments?: unknown };
    };
    try {
      message = JSON.parse(line);
    } catch {
      records.unreadable++;
      continue;
    }
    if (message.method === 'initialize') {
      records.stdioProcesses++;
      // A replayed handshake goes under an id of Airlock's own (internalRequestId('init')).
      if (typeof message.id === 'string' && /^airlock-.*-init-/.test(message.id)) {
        records.stdioRestarts++;
      }
    }
    if (message.method === 'tools/call') {
      records.calls.push({
        server: stdio.server,
        tool: String(message.params?.name),
        soakId: soakIdOf(message.params?.arguments),
      });
    }
  }
  for (const line of lines(http.traceFile)) {
    let entry: { event?: unknown; tool?: unknown; arguments?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      records.unreadable++;
      continue;
    }
    if (entry.event === 'start') records.httpStarts++;
    if (entry.event === 'call') {
      records.calls.push({
        server: http.server,
        tool: String(entry.tool),
        soakId: soakIdOf(entry.arguments),
      });
    }
  }
  return records;
}
