// A server's status as the Servers screen shows it: credentials in its target masked, connected
// while it has sessions, the last error it was lost with (redacted) until its entry changes, and
// pushed to UIs only while it is in force and someone listens.
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../../src/main/core/api/event-bus';
import { createServerStatus } from '../../../../src/main/core/api/server-status';
import type { ServerConfig } from '../../../../src/main/core/config/types';
import { PolicyRegistry } from '../../../../src/main/core/policy';
import { createRedactor } from '../../../../src/main/core/redaction/redactor';
import type { AppEvent } from '../../../../src/shared/contract';
import { FakeClock } from '../fakes';

const KEY = 'hitl_0123456789abcdef0123456789abcdef';

function setup() {
  const server: ServerConfig = {
    id: 'notes',
    transport: 'stdio',
    command: 'notes-server',
    args: ['--api-key', KEY],
    env: {},
  };
  const servers = new Map([[server.id, server]]);
  const sessions = new Map<string, number>();
  const events = new EventBus();
  const policies = new PolicyRegistry({ clock: new FakeClock() });
  const status = createServerStatus({
    servers,
    sessionsFor: (id) => sessions.get(id) ?? 0,
    endpointFor: (id) => `http://127.0.0.1:7820/mcp/${id}`,
    redactor: createRedactor(),
    policies,
    policyFiles: { path: (id) => `/data/policies/${id}.json` },
    events,
  });
  return { server, servers, sessions, events, policies, status };
}

describe('createServerStatus', () => {
  it('describes a server with its credentials masked, its sessions and its policy', () => {
    const { server, sessions, policies, status } = setup();
    expect(status.info(server)).toEqual({
      id: 'notes',
      transport: 'stdio',
      target: 'notes-server --api-key ***',
      endpoint: 'http://127.0.0.1:7820/mcp/notes',
      state: 'idle',
      sessions: 0,
      policy: { server: 'notes', file: '/data/policies/notes.json', errors: [] },
    });
    sessions.set('notes', 2);
    policies.load('notes', '{"version": "1", "default": "allow"}');
    expect(status.info(server)).toMatchObject({
      state: 'connected',
      sessions: 2,
      policy: { hash: expect.any(String) },
    });
  });

  it('keeps the redacted reason a server was lost with until its entry changes', () => {
    const { server, events, status } = setup();
    const seen: AppEvent[] = [];
    events.subscribe((event) => seen.push(event));
    status.lost('notes', `upstream exited: bad key ${KEY}`);
    const lastError = status.info(server).lastError;
    expect(lastError).toMatch(/^upstream exited: bad key /);
    expect(lastError).not.toContain(KEY);
    expect(seen).toEqual([
      { name: 'server.status', data: { server: expect.objectContaining({ lastError }) } },
    ]);
    status.forget('notes');
    expect(status.info(server).lastError).toBeUndefined();
  });

  it('pushes nothing for a server no longer in force', () => {
    const { servers, events, status } = setup();
    const seen: AppEvent[] = [];
    events.subscribe((event) => seen.push(event));
    servers.delete('notes');
    status.emit('notes');
    status.lost('notes', 'gone');
    expect(seen).toEqual([]);
  });
});
