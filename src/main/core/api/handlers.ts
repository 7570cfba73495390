// The app API's commands, written once against the core and small ports; the composition root
// passes real files and stores, tests pass in-memory ones. Transports (HTTP, IPC) mount these
// through the dispatcher and never add behaviour of their own.
import { createHash } from 'node:crypto';
import type {
  ConfigStatus,
  GrantInfo,
  PolicyInfo,
  ServerInfo,
  TemporaryGrant,
} from '../../../shared/contract';
import type { ApprovalQueue } from '../approvals/approval-queue';
import type { TemporaryGrants } from '../approvals/temporary-grants';
import type { PauseSwitch } from '../calls/pause-switch';
import type { EditableSettings, Settings } from '../config/types';
import type { HistoryStore } from '../history/types';
import { parsePolicy } from '../policy';
import { replayCalls } from '../policy/dry-run';
import { tryCall } from '../policy/try-call';
import { allowToolForGrant, renameGrantOverrides } from '../policy/policy-edits';
import type { PolicyRegistry } from '../policy';
import type { Clock, SecretStoreInfo } from '../ports';
import type { ToolPins } from '../tools/tool-pins';
import { ApiError } from '../../../shared/api-error';
import type { CommandHandlers } from './dispatcher';
import { serverCommands, type ServerUpstreams } from './server-handlers';
import { clientCommands } from './client-handlers';
import type { ClientProtection } from '../clients/protection';

/** The policy files in the data folder. */
export interface PolicyFiles {
  path(server: string): string;
  /** The file's text, or undefined when there is no file. */
  read(server: string): string | undefined;
  /** Replaces the file atomically. */
  write(server: string, text: string): void;
}

export interface GrantAdmin {
  list(): GrantInfo[];
  /** Throws an Error whose message says why (invalid or taken name). */
  add(name: string): { name: string; token: string };
  revoke(name: string): boolean;
  /** Gives a grant a new name; its token stays valid. Throws an Error whose message says why. */
  rename(name: string, newName: string): void;
}

export interface SettingsStore {
  get(): Settings;
  /** Saves the change to config.json and applies it; returns the settings now in force. */
  update(change: Partial<EditableSettings>): Settings;
  /** The port the listener has now, which a changed settings.port does not move until a restart. */
  listeningPort(): number;
}

export interface AppHandlersDeps {
  approvals: ApprovalQueue;
  temporaryGrants: TemporaryGrants;
  history: HistoryStore;
  policies: PolicyRegistry;
  policyFiles: PolicyFiles;
  /** Configured servers with their live status. */
  servers(): ServerInfo[];
  /** Where upstream env and header values are kept, for the Servers screen to say. */
  secretStore?(): SecretStoreInfo;
  /** The running servers and the connection probe, for the servers.* commands that change or test them. */
  upstreams?: ServerUpstreams;
  grants: GrantAdmin;
  /** Rate-limit counts, which follow a renamed grant. */
  counters: { renameGrant(from: string, to: string): void };
  settings: SettingsStore;
  /** config.json's state as the watcher last read it; without it config.status says it is unavailable. */
  config?: { status(): ConfigStatus };
  /** The MCP clients on this machine, Protect and Unprotect; without it the clients.* commands say they are unavailable. */
  clients?: ClientProtection;
  /** Pause Airlock; without it the pause.* commands say it is unavailable. */
  pause?: Pick<PauseSwitch, 'get' | 'set'>;
  /** Pinned tool definitions; without them tools.accept says it is unavailable and servers.tools shows no pins. */
  pins?: ToolPins;
  clock: Clock;
}

const DEFAULT_EXPORT_LIMIT = 10_000;
const DEFAULT_DRY_RUN_CALLS = 500;

/** A server's policy as the UI shows it: the file, the policy in force and the file's problems. */
export function describePolicy(
  policies: PolicyRegistry,
  files: Pick<PolicyFiles, 'path'>,
  server: string,
): PolicyInfo {
  const state = policies.get(server);
  return {
    server,
    file: files.path(server),
    ...(state.policy ? { hash: state.policy.version.hash } : {}),
    errors: [...state.errors],
    ...(state.loadedAt === undefined ? {} : { loadedAt: state.loadedAt }),
  };
}

export function createAppHandlers(deps: AppHandlersDeps): CommandHandlers {
  const policyInfo = (server: string) => describePolicy(deps.policies, deps.policyFiles, server);
  /** Every server with a policy or a config entry, sorted. */
  const policyServers = () =>
    [...new Set([...deps.servers().map((s) => s.id), ...deps.policies.serverIds()])].sort();
  const heldCall = (id: string) => {
    const approval = deps.approvals.get(id);
    if (!approval) throw new ApiError('not_found', `No held call has id "${id}".`);
    return approval;
  };

  return {
    'approvals.list': () => ({ approvals: deps.approvals.list() }),

    'approvals.decide': ({ id, ...answer }) => {
      const result = deps.approvals.answer(id, answer);
      if (!result.ok) throw new ApiError(result.code, result.message);
      return { approval: result.approval, outcome: result.outcome };
    },

    'approvals.proposeAlwaysAllow': ({ id }) => {
      const approval = heldCall(id);
      const current = deps.policyFiles.read(approval.server);
      if (current === undefined) {
        throw new ApiError('not_found', `There is no policy file for server "${approval.server}".`);
      }
      return {
        server: approval.server,
        text: allowToolForGrant(current, approval.grant, approval.tool),
        baseHash: textHash(current),
      };
    },

    'history.query': async (query) => {
      try {
        return await deps.history.query(query);
      } catch (error) {
        if (query.cursor !== undefined)
          throw new ApiError('invalid_input', (error as Error).message);
        throw error;
      }
    },

    'history.get': async ({ id }) => {
      const call = await deps.history.get(id);
      if (!call) throw new ApiError('not_found', `No call has id ${id}.`);
      return { call };
    },

    'history.counts': async (filter) => ({ counts: await deps.history.countsByHour(filter) }),

    'history.export': async ({ format, filter, limit }) => {
      // Made off the proxy's thread: thousands of rows are tens of milliseconds of formatting.
      const made = await deps.history.exportText(
        format,
        filter ?? {},
        limit ?? DEFAULT_EXPORT_LIMIT,
      );
      const stamp = new Date(deps.clock.now()).toISOString().replace(/[:.]/g, '-');
      return format === 'csv'
        ? { filename: `airlock-history-${stamp}.csv`, mimeType: 'text/csv', ...made }
        : { filename: `airlock-history-${stamp}.jsonl`, mimeType: 'application/x-ndjson', ...made };
    },

    'policies.list': () => ({ policies: policyServers().map(policyInfo) }),

    'policies.get': ({ server }) => {
      const text = deps.policyFiles.read(server);
      return {
        ...policyInfo(server),
        ...(text === undefined ? {} : { text, textHash: textHash(text) }),
      };
    },

    'policies.validate': ({ text }) => {
      const parsed = parsePolicy(text);
      return parsed.ok ? { ok: true, errors: [] } : { ok: false, errors: parsed.errors };
    },

    'policies.save': ({ server, text, baseHash }) => {
      const parsed = parsePolicy(text);
      if (!parsed.ok) {
        throw new ApiError(
          'invalid_input',
          `The policy has ${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'}; nothing was saved.`,
          parsed.errors,
        );
      }
      if (baseHash !== undefined) {
        const onDisk = deps.policyFiles.read(server);
        if (onDisk === undefined || textHash(onDisk) !== baseHash) {
          throw new ApiError(
            'conflict',
            `${deps.policyFiles.path(server)} changed since it was opened; reload it and apply the edit again.`,
          );
        }
      }
      deps.policyFiles.write(server, text);
      // In force now, not when the file watcher notices.
      deps.policies.load(server, text);
      return { hash: parsed.value.version.hash, textHash: textHash(text) };
    },

    'policies.dryRun': async ({ server, text, calls }) => {
      const recorded = await deps.history.rows({ server }, calls ?? DEFAULT_DRY_RUN_CALLS);
      const result = replayCalls(server, text, recorded);
      return result.ok
        ? { ok: true, errors: [], replayed: result.replayed, changes: result.changes }
        : { ok: false, errors: result.errors, replayed: 0, changes: [] };
    },

    'policies.tryCall': ({ server, text, grant, tool, args }) =>
      tryCall(server, text, { ...(grant === undefined ? {} : { grant }), tool, args }),

    'servers.list': () => ({
      servers: deps.servers(),
      ...(deps.secretStore ? { secretStore: deps.secretStore() } : {}),
    }),
    ...serverCommands(deps),

    'tools.accept': ({ server, tool, hash }) => {
      if (deps.pins === undefined) {
        throw new ApiError('unavailable', 'Tool definitions are not pinned here.');
      }
      const result = deps.pins.accept(server, tool, hash);
      if (!result.ok) throw new ApiError(result.code, result.message);
      const { accepted } = result.pin;
      return { server, tool, hash: accepted.hash, acceptedAt: accepted.at };
    },

    'grants.list': () => ({
      grants: deps.grants.list(),
      temporary: deps.temporaryGrants.list() satisfies TemporaryGrant[],
    }),

    'grants.add': ({ name }) => {
      try {
        return deps.grants.add(name);
      } catch (error) {
        throw new ApiError('conflict', (error as Error).message);
      }
    },

    'grants.rename': ({ name, newName }) => {
      if (!deps.grants.list().some((g) => g.name === name)) {
        throw new ApiError('not_found', `No grant is named "${name}".`);
      }
      if (newName === name) return { name };
      // Every policy's overrides for the grant move with it. All edits are worked out before
      // anything is written, so a conflict changes nothing.
      const policyEdits: { server: string; text: string }[] = [];
      for (const server of policyServers()) {
        const text = deps.policyFiles.read(server);
        if (text === undefined) continue;
        const edit = renameGrantOverrides(text, name, newName);
        if ('conflict' in edit) {
          throw new ApiError(
            'conflict',
            `${deps.policyFiles.path(server)} already has rules for a grant named "${newName}"; nothing was renamed.`,
          );
        }
        if (edit.changed) policyEdits.push({ server, text: edit.text });
      }
      try {
        deps.grants.rename(name, newName);
      } catch (error) {
        throw new ApiError('conflict', (error as Error).message);
      }
      for (const { server, text } of policyEdits) {
        deps.policyFiles.write(server, text);
        deps.policies.load(server, text);
      }
      deps.counters.renameGrant(name, newName);
      deps.temporaryGrants.renameGrant(name, newName);
      return { name: newName };
    },

    'grants.revoke': ({ name }) => {
      deps.temporaryGrants.revokeGrant(name);
      return { revoked: deps.grants.revoke(name) };
    },

    'grants.revokeTemporary': ({ id }) => ({ revoked: deps.temporaryGrants.revoke(id) }),

    'settings.get': () => ({
      settings: deps.settings.get(),
      listeningPort: deps.settings.listeningPort(),
    }),

    'settings.update': (change) => ({ settings: deps.settings.update(change) }),

    ...clientCommands(deps.clients),

    'config.status': () => {
      if (deps.config === undefined) {
        throw new ApiError('unavailable', 'config.json is not watched here.');
      }
      return { config: deps.config.status() };
    },

    'pause.get': () => ({ pause: pauseSwitch().get() }),
    'pause.set': ({ paused }) => ({ pause: pauseSwitch().set(paused) }),
  };

  function pauseSwitch(): Pick<PauseSwitch, 'get' | 'set'> {
    if (deps.pause === undefined) throw new ApiError('unavailable', 'Pausing is not offered here.');
    return deps.pause;
  }
}

/** sha256 of a file's text: what policies.save compares to notice a file changed underneath. */
export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
