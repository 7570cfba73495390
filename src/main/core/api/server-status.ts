// How each upstream server stands, as servers.list and the server.status event show it: where
// agents reach it, its client sessions, the last error it failed with (redacted) and its policy.
import type { ServerInfo } from '../../../shared/contract';
import type { ServerConfig } from '../config/types';
import { serverTarget } from '../config/server-entry';
import type { PolicyRegistry } from '../policy';
import type { Redactor } from '../redaction/redactor';
import type { EventBus } from './event-bus';
import { describePolicy, type PolicyFiles } from './handlers';

export interface ServerStatusDeps {
  /** The servers in force now; it changes as servers are added, edited and removed. */
  servers: ReadonlyMap<string, ServerConfig>;
  sessionsFor(serverId: string): number;
  /** The address agents connect to for this server. */
  endpointFor(serverId: string): string;
  redactor: Redactor;
  policies: PolicyRegistry;
  policyFiles: Pick<PolicyFiles, 'path'>;
  events: EventBus;
}

export interface ServerStatus {
  info(server: ServerConfig): ServerInfo;
  /** Pushes the server's status to the UIs listening, if it is still in force. */
  emit(serverId: string): void;
  /** Its upstream went away: the reason becomes its last error, and UIs are told. */
  lost(serverId: string, reason: string): void;
  /** It was edited or removed: an error of the entry it was no longer applies. */
  forget(serverId: string): void;
}

export function createServerStatus(deps: ServerStatusDeps): ServerStatus {
  const lastErrors = new Map<string, string>();
  const info = (server: ServerConfig): ServerInfo => {
    const sessions = deps.sessionsFor(server.id);
    const lastError = lastErrors.get(server.id);
    return {
      id: server.id,
      transport: server.transport,
      target: serverTarget(server, deps.redactor),
      endpoint: deps.endpointFor(server.id),
      state: sessions > 0 ? 'connected' : 'idle',
      sessions,
      ...(lastError === undefined ? {} : { lastError }),
      policy: describePolicy(deps.policies, deps.policyFiles, server.id),
    };
  };
  const emit = (serverId: string) => {
    const server = deps.servers.get(serverId);
    // Building the status costs a policy lookup: skipped when no UI listens.
    if (server && deps.events.active) deps.events.emit('server.status', { server: info(server) });
  };
  return {
    info,
    emit,
    lost(serverId, reason) {
      lastErrors.set(serverId, deps.redactor.text(reason));
      emit(serverId);
    },
    forget: (serverId) => lastErrors.delete(serverId),
  };
}
