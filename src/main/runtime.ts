// The headless core wired to its adapters: config and policies from the data folder, counters and
// history in SQLite, approvals, the app API, the upstream channels and the HTTP listener. Both
// entry points (the `airlock` CLI and the Electron app) start Airlock through here.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createDispatcher, type ApiDispatcher } from './core/api/dispatcher';
import { createAppHandlers, describePolicy } from './core/api/handlers';
import type { ServerConfig, Settings } from './core/config/types';
import { createCore } from './core/create-core';
import { createServerStatus } from './core/api/server-status';
import { createGrantAdmin } from './core/api/grant-admin';
import { formatProblems } from './core/json-problems';
import { RateLimiter } from './core/limits/rate-limiter';
import { PolicyRegistry } from './core/policy';
import { systemClock, systemTimers, type Clock, type Logger, type Timers } from './core/ports';
import { createRedactor, type Redactor } from './core/redaction/redactor';
import {
  ConfigProblem,
  describeConfigProblems,
  loadConfig,
  saveSettings,
} from './adapters/files/config-file';
import { watchConfig, type ConfigWatcher } from './adapters/files/config-watcher';
import { redactingLogger } from './adapters/log/redacting-logger';
import {
  configPath,
  ensureDataDir,
  historyPath,
  policiesDir,
  policyPath,
} from './adapters/files/data-dir';
import {
  createGrant,
  GrantAuthenticator,
  listGrants,
  migrateGrants,
  renameGrant,
  revokeGrant,
} from './adapters/files/grants';
import { loadArgsHashKey } from './adapters/files/secrets-file';
import {
  AlreadyRunning,
  otherRunningInstance,
  removeRunningFile,
  writeRunningFile,
} from './adapters/files/running-file';
import { readPauseState, savePauseState } from './adapters/files/pause-file';
import {
  fixedUiToken,
  StoredUiToken,
  uiTokenFromEnv,
  type UiTokenSource,
} from './adapters/http/ui-token';
import { SqliteHistoryStore } from './adapters/sqlite/history-store';
import { policyFilesIn } from './adapters/files/policy-files';
import { BatchWriter } from './adapters/sqlite/batch-writer';
import { WorkerHistoryReads } from './adapters/sqlite/history-reads';
import { WriteTurn } from './adapters/sqlite/write-turn';
import { watchPolicies, type PolicyWatcher } from './adapters/files/policy-watcher';
import {
  startHttpServer,
  type HttpLimits,
  type RunningHttpServer,
} from './adapters/http/http-server';
import { McpEndpoint } from './adapters/mcp/mcp-endpoint';
import { UpstreamChannels } from './adapters/mcp/upstream/channel-factory';
import { probeServer } from './adapters/mcp/upstream/probe';
import { createServerRegistry } from './adapters/files/server-registry';
import { UpstreamSecrets } from './adapters/files/upstream-secrets';
import { openSecretStore } from './adapters/secrets/open-secret-store';
import type { Keychain } from './adapters/secrets/keychain-secret-store';
import { maskServerText } from './core/config/server-entry';
import { SqliteCounterStore } from './adapters/sqlite/counter-store';
import { SqlitePinStore } from './adapters/sqlite/pin-store';
import { openDatabase, secondConnectionTo, type Database } from './adapters/sqlite/database';
import type { ElectronAppPaths } from './adapters/sqlite/native-binding';
import { errorMessage } from '../shared/error-message';
import type { BridgeInfo } from '../shared/mcp-clients';
import { createClientProtection } from './core/clients/protection';
import { clientFilesOnDisk } from './adapters/clients/client-files';
import { clientLocations, type ClientLocationOptions } from './adapters/clients/client-locations';
import { protectionRecordsFile } from './adapters/clients/protection-records';
import { findBridge } from './adapters/clients/bridge-command';

export interface RuntimeOptions {
  dataDir: string;
  /** Overrides settings.port; 0 picks a free port. */
  port?: number;
  logger: Logger;
  clock?: Clock;
  timers?: Timers;
  /** The UI's API token; default AIRLOCK_UI_TOKEN, else the one kept in secrets.json. */
  uiToken?: string;
  /** The built renderer to serve to browsers (out/renderer); nothing is served without it. */
  rendererDir?: string;
  /** How long a connection test or a tool listing may take; default 20 s (or upstreamTimeout if shorter). */
  probeTimeoutMs?: number;
  /** Bounds on slow and numerous HTTP clients; tests pass small ones. */
  httpLimits?: HttpLimits;
  /**
   * Where upstream env and header values go: the system's keychain when a probe finds it working
   * (default), this one, or (`false`) the file store alone, so tests never touch a real keychain.
   */
  keychain?: Keychain | false;
  /**
   * Sees history.sqlite's connection once it is open. For tests only: they cap its size (PRAGMA
   * max_page_count) to make SQLite fail as it does on a full disk.
   */
  onDatabaseOpen?: (db: Database) => void;
  /** The Electron app's paths, so history.sqlite opens with SQLite's Electron build (unset in Node). */
  electronApp?: ElectronAppPaths;
  /** Where the MCP clients' configs are looked for; default this user's (tests pass a temporary home). */
  clientLocations?: ClientLocationOptions;
  /** How Protect starts the stdio bridge; default this install's node and bin/airlock.js. */
  bridge?: BridgeInfo;
}

export interface Runtime {
  url: string;
  port: number;
  /** The UI's address with its token in the fragment, to open in a browser (the token in force now). */
  readonly uiUrl: string;
  /** The app API, as the HTTP adapter serves it (the Electron shell mounts it over IPC). */
  api: ApiDispatcher;
  /** The servers in force now, including those added or changed (in the app or config.json) since the start. */
  readonly servers: ServerConfig[];
  policies: PolicyRegistry;
  endpointFor(serverId: string): string;
  /** Client sessions open right now, across all servers. */
  sessionCount(): number;
  /** The log every line of which is redacted: entry points log through it too. */
  logger: Logger;
  /** The settings in force now (they change while Airlock runs). */
  settings(): Settings;
  close(): Promise<void>;
}

export { ConfigProblem };

/** A connection test waits this long at most: enough for a server fetched by npx on first use. */
const DEFAULT_PROBE_TIMEOUT_MS = 20_000;

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { dataDir } = options;
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  ensureDataDir(dataDir);
  // Two Airlocks on one folder would both claim its port, its history and its serve.json.
  const other = await otherRunningInstance(dataDir);
  if (other) throw new AlreadyRunning(dataDir, other);
  const configExisted = existsSync(configPath(dataDir));
  const config = loadConfig(dataDir);
  if (!config.ok) throw new ConfigProblem(describeConfigProblems(dataDir, config.errors));
  const { servers } = config.value;
  const settings: Settings = config.value.settings;
  const chosenUiToken = options.uiToken ?? uiTokenFromEnv(process.env);
  // settings.redaction can change while Airlock runs; everything holds this one, which follows it.
  let rules = createRedactor(settings.redaction);
  const redactor: Redactor = {
    value: (value) => rules.value(value),
    text: (text) => rules.text(text),
    secrets: (value) => rules.secrets(value),
    isSecretName: (name) => rules.isSecretName(name),
  };
  // Everything below, adapters included, logs through this: upstream chatter may carry secrets.
  const logger = redactingLogger(options.logger, redactor);
  // Grants live in secrets.json with the argument-hash key; an older folder's move there first.
  const migration = migrateGrants(dataDir);
  if (migration.moved > 0) {
    const grantsMoved = `${migration.moved} grant${migration.moved === 1 ? '' : 's'}`;
    logger.info(`moved ${grantsMoved} from config.json to secrets.json`);
  }
  if (migration.configGrantsIgnored) {
    logger.warn(
      'config.json has a "grants" key, which Airlock ignores: grants live in secrets.json (`airlock grants list`), so it neither creates nor revokes any',
    );
  }
  const argsHashKey = loadArgsHashKey(dataDir);
  // The kept UI token is made on the first start and reused, so the printed link stays the same.
  let storedUiToken: StoredUiToken | undefined;
  let uiToken: UiTokenSource;
  if (chosenUiToken === undefined) uiToken = storedUiToken = new StoredUiToken(dataDir, { logger });
  else uiToken = fixedUiToken(chosenUiToken);
  // Env and header values live in the OS keychain, else a file readable by the user alone: plain
  // ones still in config.json move there now, and a server is served only once all of its resolve.
  const upstreamSecrets = new UpstreamSecrets({
    dataDir,
    logger,
    store: openSecretStore({ dataDir, logger, keychain: options.keychain }),
  });
  upstreamSecrets.moveFromConfig();
  const { served, unavailable } = upstreamSecrets.resolveAll(servers);
  const serverMap = new Map(served.map((server) => [server.id, server]));

  const closers: (() => unknown)[] = [];
  const cleanup = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const db: Database = openDatabase(historyPath(dataDir), undefined, {
      electronApp: options.electronApp,
    });
    closers.push(() => db.close());
    options.onDatabaseOpen?.(db);
    // The batch writer goes first when it and the worker's prune both want the write lock.
    const turn = new WriteTurn();
    const batches = new BatchWriter(db, { logger, clock, timers, turn });
    // Writes the calls and the counter events still in memory.
    closers.push(() => batches.close());
    // The reads and the pruning run on a worker thread with its own connection.
    const reads = new WorkerHistoryReads({
      connection: secondConnectionTo(db),
      logger,
      timers,
      turn,
    });
    closers.push(() => reads.close());
    const history = new SqliteHistoryStore(db, { logger, batches, reads });
    const counters = new SqliteCounterStore(db, { batches, logger });
    const limiter = new RateLimiter(counters, clock);
    limiter.load();
    const unfinished = history.closeUnfinished(clock.now());
    if (unfinished > 0) {
      logger.warn(
        `${unfinished} calls were held or running when Airlock last stopped; recorded as never answered`,
      );
    }
    const pruneAll = async () => {
      // Runs on a timer: a failure (a locked database) is logged and tried again next hour.
      try {
        limiter.prune();
        const removed = await history.prune(clock.now() - settings.retentionDays * 86_400_000);
        if (removed > 0)
          logger.info(
            `history: deleted ${removed} calls older than ${settings.retentionDays} days`,
          );
      } catch (error) {
        logger.error('could not prune old calls and counter events', {
          error: errorMessage(error),
        });
      }
    };
    void pruneAll();
    const pruner = setInterval(() => void pruneAll(), 60 * 60_000);
    pruner.unref();
    closers.push(() => clearInterval(pruner));

    const { events, policies, gatekeeper, approvals, temporaryGrants, pause, pins, calls } =
      createCore({
        clock,
        timers,
        logger,
        history,
        limiter,
        redactor,
        argsHashKey,
        settings: () => settings,
        pauseStore: {
          initial: readPauseState(dataDir, logger),
          save: (state) => savePauseState(dataDir, state),
        },
        pinStore: new SqlitePinStore(db),
      });
    const watcher: PolicyWatcher = watchPolicies(
      policiesDir(dataDir),
      (serverId, text) => {
        if (text === undefined) {
          policies.remove(serverId);
          logger.warn(`policy for ${serverId} removed; its calls are refused`);
          return;
        }
        const result = policies.load(serverId, text);
        if (result.ok) logger.info(`policy for ${serverId} loaded`);
        else {
          logger.error(
            `policy for ${serverId} is invalid; ${policies.get(serverId).policy ? 'the last good one stays in force' : 'its calls are refused'}:\n` +
              formatProblems(policyPath(dataDir, serverId), result.errors),
          );
        }
      },
      { onError: (error) => logger.warn(`policies: ${error.message}`) },
    );
    closers.push(() => watcher.close());
    await watcher.ready;

    const policyFiles = policyFilesIn(dataDir);
    policies.onChange((server) =>
      events.emit('policy.changed', { policy: describePolicy(policies, policyFiles, server) }),
    );

    const grants = new GrantAuthenticator(dataDir, {
      clock,
      logger,
      // Revoked here, or by `airlock grants revoke` in another process (seen in secrets.json).
      onRevoked: (names) => grantAdmin.end(names),
    });
    /** Where agents reach a server through Airlock (the listener starts further down). */
    const endpointFor = (id: string) => `${http.url}/mcp/${id}`;
    const status = createServerStatus({
      servers: serverMap,
      sessionsFor: (id) => endpoint.sessionsFor(id),
      endpointFor,
      redactor,
      policies,
      policyFiles,
      events,
    });
    const channels = new UpstreamChannels(
      () => serverMap,
      logger,
      Math.min(5000, settings.upstreamTimeoutMs),
      settings.maxMessageBytes,
    );
    closers.push(() => channels.close());
    const endpoint = new McpEndpoint({
      channelFactory: (serverId) => channels.factoryFor(serverId),
      gatekeeper,
      calls,
      pins,
      maxBodyBytes: settings.maxBodyBytes,
      timeoutMs: settings.upstreamTimeoutMs,
      clock,
      timers,
      logger,
      onSessionsChanged: (serverId) => status.emit(serverId),
      onUpstreamLost: (serverId, reason) => status.lost(serverId, reason),
    });
    closers.push(() => endpoint.close());

    // Started once the listener is up (a server it adds needs its address).
    const configWatcher: ConfigWatcher = watchConfig({
      dataDir,
      logger,
      existed: configExisted,
      servers: { reload: (next, text) => serverRegistry.reload(next, text) },
      settings: () => settings,
      applySettings: (change) => applySettings(change),
      onStatus: (status) => events.emit('config.changed', { config: status }),
    });
    const serverRegistry = createServerRegistry({
      dataDir,
      servers: serverMap,
      unavailable,
      secrets: upstreamSecrets,
      info: status.info,
      disconnect: (id) => {
        status.forget(id);
        channels.forget(id);
        void endpoint.closeServer(id);
      },
      changed: (server, cause) => {
        logger.info(
          cause === 'app'
            ? `server ${server.id} saved to config.json and served at ${server.endpoint}`
            : `config.json: server ${server.id} is served at ${server.endpoint} as the file now says`,
        );
        if (cause === 'file' && server.policy.hash === undefined) {
          logger.warn(
            `no valid policy for ${server.id}: every call to it is refused until ${server.policy.file} exists`,
          );
        }
        events.emit('server.status', { server });
      },
      removed: (id, cause) => {
        logger.info(
          cause === 'app'
            ? `server ${id} removed from config.json; its policy file stays`
            : `config.json: server ${id} removed; its sessions are closed and its policy file stays`,
        );
        events.emit('server.removed', { id });
      },
      failed: (server) => {
        logger.error(`server ${server.id} is ${server.lastError ?? 'not served'}`);
        events.emit('server.status', { server });
      },
      assertWritable: () => configWatcher.assertWritable(),
    });
    const applySettings = (change: Partial<Settings>) => {
      Object.assign(settings, change);
      if (change.redaction !== undefined) rules = createRedactor(settings.redaction);
      events.emit('settings.changed', { settings: { ...settings } });
    };

    const probeUpstream = async (server: ServerConfig, timeoutMs: number) => {
      const result = await probeServer(server, timeoutMs);
      return result.ok
        ? result
        : { ...result, error: maskServerText(result.error, server, redactor) };
    };
    const probeTimeoutMs =
      options.probeTimeoutMs ?? Math.min(DEFAULT_PROBE_TIMEOUT_MS, settings.upstreamTimeoutMs);
    const grantAdmin = createGrantAdmin({
      store: {
        list: () => listGrants(dataDir),
        create: (name) => createGrant(dataDir, name, clock),
        revoke: (name) => revokeGrant(dataDir, name),
        rename: (name, newName) => renameGrant(dataDir, name, newName),
      },
      tokens: grants,
      approvals,
      temporaryGrants,
      closeSessions: (name) => endpoint.closeGrant(name),
      events,
      logger,
    });
    closers.push(grants.watch());
    // Protect and Unprotect of the MCP clients on this machine (Clients, "On this machine").
    const clients = createClientProtection({
      files: clientFilesOnDisk(clientLocations(options.clientLocations)),
      records: protectionRecordsFile(dataDir),
      upstreams: {
        list: () => [...serverMap.values()],
        listed: (id) => serverRegistry.info(id) !== undefined,
        add: (server) => void serverRegistry.add(server),
        remove: (id) => serverRegistry.remove(id),
      },
      grants: {
        exists: (name) => grantAdmin.list().some((grant) => grant.name === name),
        add: (name) => grantAdmin.add(name),
        revoke: (name) => {
          temporaryGrants.revokeGrant(name);
          return grantAdmin.revoke(name);
        },
      },
      policies: {
        read: (server) => policyFiles.read(server),
        write: (server, text) => {
          policyFiles.write(server, text);
          policies.load(server, text);
        },
        remove: (server) => {
          policyFiles.remove(server);
          policies.remove(server);
        },
      },
      probe: (server) => probeUpstream(server, probeTimeoutMs),
      endpoint: endpointFor,
      port: () => http.port,
      bridge: () => options.bridge ?? findBridge({ dataDir }),
      notes: () =>
        http.port === settings.port
          ? []
          : [
              `Airlock listens on port ${http.port} for this run only (settings.port is ${settings.port}): after a restart on another port, the client would not reach it.`,
            ],
      clock,
      logger,
    });

    const handlers = createAppHandlers({
      approvals,
      temporaryGrants,
      history,
      policies,
      policyFiles,
      servers: () => serverRegistry.list(),
      secretStore: () => upstreamSecrets.info,
      upstreams: {
        registry: serverRegistry,
        probe: probeUpstream,
        probeTimeoutMs,
      },
      grants: grantAdmin,
      clients,
      counters: limiter,
      config: { status: () => configWatcher.status() },
      pause,
      pins,
      settings: {
        get: () => ({ ...settings }),
        update: (change) => {
          configWatcher.assertWritable();
          saveSettings(dataDir, change);
          applySettings(change);
          return { ...settings };
        },
        listeningPort: () => http.port,
      },
      clock,
    });
    // A grant revoked by another process is noticed before a person's answer could run its call.
    const decide = handlers['approvals.decide'];
    handlers['approvals.decide'] = (input) => {
      grants.checkNow();
      return decide(input);
    };
    const api = createDispatcher(handlers, (listener) => events.subscribe(listener), logger);

    const http: RunningHttpServer = await startHttpServer({
      port: options.port ?? settings.port,
      authenticateGrant: (token) => grants.authenticate(token),
      mcp: endpoint,
      api: { dispatcher: api, uiToken },
      ...(options.rendererDir !== undefined && existsSync(join(options.rendererDir, 'index.html'))
        ? { rendererDir: options.rendererDir }
        : {}),
      logger,
      ...(options.httpLimits ? { limits: options.httpLimits } : {}),
    });
    closers.push(() => http.close());
    // A token regenerated by `airlock ui-token` closes the old one's event streams within this.
    if (storedUiToken) closers.push(storedUiToken.watch());

    // Stopped before the listener and the endpoint close, so no edit is applied half-way down.
    closers.push(() => configWatcher.close());
    await configWatcher.start();

    writeRunningFile(dataDir, { url: http.url, pid: process.pid });
    closers.push(() => removeRunningFile(dataDir));
    // First on the way out: held calls are refused as "Airlock stopped" while clients can still hear it.
    closers.push(() => approvals.withdrawAll());

    for (const { entry, reason } of unavailable) logger.error(`server ${entry.id} is ${reason}`);
    for (const server of servers) {
      if (!policies.get(server.id).policy) {
        logger.warn(
          `no valid policy for ${server.id}: every call to it is refused until ${policyPath(dataDir, server.id)} exists`,
        );
      }
    }

    return {
      url: http.url,
      port: http.port,
      get uiUrl() {
        return `${http.url}/#token=${encodeURIComponent(uiToken.current())}`;
      },
      api,
      get servers() {
        return [...serverMap.values()];
      },
      policies,
      endpointFor,
      sessionCount: () => endpoint.sessionCount,
      logger,
      settings: () => ({ ...settings }),
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
