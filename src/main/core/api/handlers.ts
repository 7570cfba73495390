// The app API's commands, written once against the core and small ports; the composition root
// passes real files and stores, tests pass in-memory ones. Transports (HTTP, IPC) mount these
// through the dispatcher and never add behaviour of their own.
import { createHash } from 'node:crypto';
import { applyEdits, modify, parseTree, findNodeAtLocation, getNodeValue } from 'jsonc-parser';
import type { GrantInfo, PolicyInfo, ServerInfo, TemporaryGrant } from '../../../shared/contract';
import type { ApprovalQueue } from '../approvals/approval-queue';
import type { TemporaryGrants } from '../approvals/temporary-grants';
import type { EditableSettings, Settings } from '../config/types';
import { callsToCsv, callsToJsonLines } from '../history/export-format';
import type { CallRecord, HistoryStore } from '../history/types';
import { parsePolicy } from '../policy';
import type { PolicyRegistry } from '../policy';
import type { Clock } from '../ports';
import { ApiError } from '../../../shared/api-error';
import type { CommandHandlers } from './dispatcher';

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
}

export interface SettingsStore {
  get(): Settings;
  /** Saves the change to config.json and applies it; returns the settings now in force. */
  update(change: Partial<EditableSettings>): Settings;
}

export interface AppHandlersDeps {
  approvals: ApprovalQueue;
  temporaryGrants: TemporaryGrants;
  history: HistoryStore;
  policies: PolicyRegistry;
  policyFiles: PolicyFiles;
  /** Configured servers with their live status. */
  servers(): ServerInfo[];
  grants: GrantAdmin;
  settings: SettingsStore;
  clock: Clock;
}

const DEFAULT_EXPORT_LIMIT = 10_000;

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
  const heldCall = (id: string) => {
    const approval = deps.approvals.get(id);
    if (!approval) throw new ApiError('not_found', `No held call has id "${id}".`);
    return approval;
  };

  return {
    'approvals.list': () => ({ approvals: deps.approvals.list() }),

    'approvals.decide': ({ id, decision, message, forMinutes }) => {
      if (decision === 'deny' && forMinutes !== undefined) {
        throw new ApiError('invalid_input', 'forMinutes goes with allow, not deny.');
      }
      const result = deps.approvals.answer(
        id,
        decision === 'allow'
          ? { decision, ...(forMinutes === undefined ? {} : { forMinutes }) }
          : { decision, ...(message === undefined ? {} : { message }) },
      );
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

    'history.query': (query) => {
      try {
        return deps.history.query(query);
      } catch (error) {
        if (query.cursor !== undefined)
          throw new ApiError('invalid_input', (error as Error).message);
        throw error;
      }
    },

    'history.get': ({ id }) => {
      const call = deps.history.get(id);
      if (!call) throw new ApiError('not_found', `No call has id ${id}.`);
      return { call };
    },

    'history.counts': (filter) => ({ counts: deps.history.countsByHour(filter) }),

    'history.export': ({ format, filter, limit }) => {
      const max = limit ?? DEFAULT_EXPORT_LIMIT;
      const rows: CallRecord[] = [];
      for (const row of deps.history.rows(filter ?? {}, max + 1)) rows.push(row);
      const truncated = rows.length > max;
      if (truncated) rows.pop();
      const stamp = new Date(deps.clock.now()).toISOString().replace(/[:.]/g, '-');
      return format === 'csv'
        ? {
            filename: `airlock-history-${stamp}.csv`,
            mimeType: 'text/csv',
            content: callsToCsv(rows),
            rows: rows.length,
            truncated,
          }
        : {
            filename: `airlock-history-${stamp}.jsonl`,
            mimeType: 'application/x-ndjson',
            content: callsToJsonLines(rows),
            rows: rows.length,
            truncated,
          };
    },

    'policies.list': () => {
      const ids = new Set([...deps.servers().map((s) => s.id), ...deps.policies.serverIds()]);
      return { policies: [...ids].sort().map(policyInfo) };
    },

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

    'policies.dryRun': () => {
      throw new ApiError('unavailable', 'policies.dryRun is being built');
    },

    'servers.list': () => ({ servers: deps.servers() }),

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

    'grants.rename': () => {
      throw new ApiError('unavailable', 'grants.rename is being built');
    },

    'grants.revoke': ({ name }) => {
      deps.temporaryGrants.revokeGrant(name);
      return { revoked: deps.grants.revoke(name) };
    },

    'grants.revokeTemporary': ({ id }) => ({ revoked: deps.temporaryGrants.revoke(id) }),

    'settings.get': () => ({ settings: deps.settings.get() }),

    'settings.update': (change) => ({ settings: deps.settings.update(change) }),
  };
}

/** sha256 of a file's text: what policies.save compares to notice a file changed underneath. */
export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The policy text with `tool` allowed for `grant`, as a grant override that keeps the tool's
 * argument rules and limits. Edits only that spot, so the user's formatting and comments stay.
 */
export function allowToolForGrant(text: string, grant: string, tool: string): string {
  const root = parseTree(text);
  const ruleNode = root
    ? (findNodeAtLocation(root, ['grants', grant, 'tools', tool]) ??
      findNodeAtLocation(root, ['tools', tool]))
    : undefined;
  const current = ruleNode ? (getNodeValue(ruleNode) as Record<string, unknown> | null) : null;
  // An allowed call is never held, so its approval timeout would mean nothing.
  const { approval: _approval, ...kept } = current ?? {};
  const rule = { ...kept, action: 'allow' };
  const edits = modify(text, ['grants', grant, 'tools', tool], rule, {
    formattingOptions: { insertSpaces: true, tabSize: 2 },
  });
  return applyEdits(text, edits);
}
