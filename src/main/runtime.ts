// The headless core wired to its adapters: config and policies from the data folder, counters in
// SQLite, the upstream channels and the HTTP listener. Both entry points (the `airlock` CLI and
// the Electron app) start Airlock through here.
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from './core/config/types';
import { Gatekeeper } from './core/gatekeeper';
import { formatProblems } from './core/json-problems';
import { RateLimiter } from './core/limits/rate-limiter';
import { PolicyRegistry } from './core/policy';
import { systemClock, type Clock, type Logger } from './core/ports';
import { describeConfigProblems, loadConfig } from './adapters/files/config-file';
import { ensureDataDir, historyPath, policiesDir, policyPath } from './adapters/files/data-dir';
import { GrantAuthenticator } from './adapters/files/grants';
import { watchPolicies, type PolicyWatcher } from './adapters/files/policy-watcher';
import { startHttpServer, type RunningHttpServer } from './adapters/http/http-server';
import { McpEndpoint } from './adapters/mcp/mcp-endpoint';
import { UpstreamChannels } from './adapters/mcp/upstream/channel-factory';
import { SqliteCounterStore } from './adapters/sqlite/counter-store';
import { openDatabase, type Database } from './adapters/sqlite/database';

export interface RuntimeOptions {
  dataDir: string;
  /** Overrides settings.port; 0 picks a free port. */
  port?: number;
  logger: Logger;
  clock?: Clock;
}

export interface Runtime {
  url: string;
  port: number;
  servers: ServerConfig[];
  policies: PolicyRegistry;
  endpointFor(serverId: string): string;
  /** Client sessions open right now, across all servers. */
  sessionCount(): number;
  close(): Promise<void>;
}

/** config.json could not be used; the message lists each problem with its file, line and path. */
export class ConfigProblem extends Error {}

/** Name of the file that tells `airlock connect` where a running `airlock serve` listens. */
export const RUNNING_FILE = 'serve.json';

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { dataDir, logger } = options;
  const clock = options.clock ?? systemClock;
  ensureDataDir(dataDir);
  const config = loadConfig(dataDir);
  if (!config.ok) throw new ConfigProblem(describeConfigProblems(dataDir, config.errors));
  const { settings, servers } = config.value;
  const serverMap = new Map(servers.map((server) => [server.id, server]));

  const closers: (() => unknown)[] = [];
  const cleanup = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const db: Database = openDatabase(historyPath(dataDir));
    closers.push(() => db.close());
    const limiter = new RateLimiter(new SqliteCounterStore(db), clock);
    limiter.load();
    const pruner = setInterval(() => limiter.prune(), 60 * 60_000);
    pruner.unref();
    closers.push(() => clearInterval(pruner));

    const policies = new PolicyRegistry();
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

    const gatekeeper = new Gatekeeper({ policies, limiter, clock });
    const grants = new GrantAuthenticator(dataDir, { clock, logger });
    const channels = new UpstreamChannels(
      () => serverMap,
      logger,
      Math.min(5000, settings.upstreamTimeoutMs),
    );
    closers.push(() => channels.close());
    const endpoint = new McpEndpoint({
      channelFactory: (serverId) => channels.factoryFor(serverId),
      gatekeeper,
      maxBodyBytes: settings.maxBodyBytes,
      timeoutMs: settings.upstreamTimeoutMs,
      logger,
      onDecision: ({ grant, server, tool, decision }) => {
        if (decision.action !== 'allow') {
          logger.info(`refused ${server}/${tool} for ${grant}`, {
            rule: decision.rule,
            reason: decision.reason,
          });
        }
      },
    });
    closers.push(() => endpoint.close());
    const http: RunningHttpServer = await startHttpServer({
      port: options.port ?? settings.port,
      authenticateGrant: (token) => grants.authenticate(token),
      mcp: endpoint,
      logger,
    });
    closers.push(() => http.close());

    const runningFile = join(dataDir, RUNNING_FILE);
    writeFileSync(runningFile, JSON.stringify({ url: http.url, pid: process.pid }) + '\n', {
      mode: 0o600,
    });
    closers.push(() => rmSync(runningFile, { force: true }));

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
      servers,
      policies,
      endpointFor: (serverId) => `${http.url}/mcp/${serverId}`,
      sessionCount: () => endpoint.sessionCount,
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
