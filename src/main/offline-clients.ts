// Protect and Unprotect for the `airlock` CLI: the same core as the app's, wired to the data folder's
// files directly (as `airlock grants` is), so it works whether Airlock runs or not. A running
// Airlock picks the changes up as it does a hand edit: the new servers in config.json (their values
// already in the secret store), the policy files, the grant in secrets.json.
import type { ServerInfo } from '../shared/contract';
import { probeServer } from './adapters/mcp/upstream/probe';
import { clientFilesOnDisk } from './adapters/clients/client-files';
import { clientLocations, type ClientLocationOptions } from './adapters/clients/client-locations';
import { findBridge } from './adapters/clients/bridge-command';
import { protectionRecordsFile } from './adapters/clients/protection-records';
import { describeConfigProblems, loadConfig } from './adapters/files/config-file';
import { ensureDataDir, policyPath } from './adapters/files/data-dir';
import { createGrant, listGrants, migrateGrants, revokeGrant } from './adapters/files/grants';
import { policyFilesIn } from './adapters/files/policy-files';
import { readRunningFile } from './adapters/files/running-file';
import { createServerRegistry } from './adapters/files/server-registry';
import { UpstreamSecrets } from './adapters/files/upstream-secrets';
import { openSecretStore } from './adapters/secrets/open-secret-store';
import type { Keychain } from './adapters/secrets/keychain-secret-store';
import { createClientProtection, type ClientProtection } from './core/clients/protection';
import { maskServerText, serverTarget } from './core/config/server-entry';
import type { ServerConfig } from './core/config/types';
import { systemClock, type Logger } from './core/ports';
import { createRedactor } from './core/redaction/redactor';

export interface OfflineClientsOptions {
  dataDir: string;
  logger: Logger;
  /** As for startRuntime: `false` keeps upstream secrets in the data folder's file. */
  keychain?: Keychain | false;
  locations?: ClientLocationOptions;
}

/** A connection test for an imported server's tools waits this long at most. */
const PROBE_TIMEOUT_MS = 20_000;

/** Throws an Error whose message says what is wrong with config.json. */
export function offlineClientProtection(options: OfflineClientsOptions): ClientProtection {
  const { dataDir, logger } = options;
  ensureDataDir(dataDir);
  migrateGrants(dataDir);
  const config = loadConfig(dataDir);
  if (!config.ok) {
    throw new Error(
      `config.json has problems, so Airlock will not add servers to it:\n${describeConfigProblems(dataDir, config.errors)}`,
    );
  }
  const { settings } = config.value;
  const redactor = createRedactor(settings.redaction);
  const secrets = new UpstreamSecrets({
    dataDir,
    logger,
    store: openSecretStore({ dataDir, logger, keychain: options.keychain }),
  });
  const { served, unavailable } = secrets.resolveAll(config.value.servers);
  const servers = new Map(served.map((server) => [server.id, server]));
  const running = readRunningFile(dataDir);
  const base = running?.url ?? `http://127.0.0.1:${settings.port}`;
  const endpoint = (id: string) => `${base}/mcp/${id}`;
  const info = (server: ServerConfig): ServerInfo => ({
    id: server.id,
    transport: server.transport,
    target: serverTarget(server, redactor),
    endpoint: endpoint(server.id),
    state: 'idle',
    sessions: 0,
    policy: { server: server.id, file: policyPath(dataDir, server.id), errors: [] },
  });
  const nothing = () => {};
  const registry = createServerRegistry({
    dataDir,
    servers,
    unavailable,
    secrets,
    info,
    disconnect: nothing,
    changed: nothing,
    removed: nothing,
    failed: nothing,
  });
  return createClientProtection({
    files: clientFilesOnDisk(clientLocations(options.locations)),
    records: protectionRecordsFile(dataDir),
    upstreams: {
      list: () => [...servers.values()],
      listed: (id) => registry.info(id) !== undefined,
      add: (server) => void registry.add(server),
      remove: (id) => registry.remove(id),
    },
    grants: {
      exists: (name) => listGrants(dataDir).some((grant) => grant.name === name),
      add: (name) => createGrant(dataDir, name),
      revoke: (name) => revokeGrant(dataDir, name),
    },
    policies: policyFilesIn(dataDir),
    probe: async (server) => {
      const result = await probeServer(server, PROBE_TIMEOUT_MS);
      return result.ok
        ? result
        : { ...result, error: maskServerText(result.error, server, redactor) };
    },
    endpoint,
    port: () => Number(new URL(base).port) || undefined,
    bridge: () => findBridge({ dataDir }),
    notes: () =>
      running === undefined
        ? [
            `Airlock is not running: start it (\`airlock serve\` or the app) for the client to reach its servers at ${base}.`,
          ]
        : [],
    clock: systemClock,
    logger,
  });
}
