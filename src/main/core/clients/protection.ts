// Protect and Unprotect: find the MCP clients on this machine and their servers, and put Airlock
// between a client and its servers (import the servers as upstreams under a safe default policy,
// one grant for the client, its config rewritten after a backup beside it), or take it out again
// (the original bytes back, the grant revoked, the imported servers removed). Written against
// ports: the composition roots pass the files, the running servers, grants and policies.
import { createHash } from 'node:crypto';
import { ApiError } from '../../../shared/api-error';
import { errorMessage } from '../../../shared/error-message';
import {
  airlockEntry,
  CLIENT_IDS,
  CLIENTS,
  type BridgeCommand,
  type BridgeInfo,
  type ClientId,
} from '../../../shared/mcp-clients';
import type { ProbeResult } from '../api/server-handlers';
import { canonicalJson } from '../calls/canonical-json';
import { isValidName } from '../../../shared/model/names';
import type { ServerConfig } from '../config/types';
import type { Clock, Logger } from '../ports';
import {
  describeEntry,
  importEntry,
  maskedEntry,
  pointsAtAirlock,
  readClientFile,
  replaceEntries,
  valueAt,
  claudeCodeProjects,
  unapprovedProjectServer,
  type ClaudeCodeProject,
  type ClientFileSpec,
  type FoundEntry,
} from './client-file';
import { defaultPolicy } from './default-policy';
import type { ProtectedFileRecord, ProtectionRecord } from './records';
import type {
  ClientFile,
  ClientOnMachine,
  ClientServer,
  EntryChange,
  ProtectedServer,
  ProtectPlan,
  ProtectResult,
  UnprotectResult,
} from '../../../shared/model/clients';

/** A client's file as read: its bytes, or that it does not exist, or why it cannot be read. */
export type FileRead =
  /** `mode`: the file's permission bits, where the platform has them (not on Windows). */
  | { ok: true; bytes: Uint8Array; mode?: number }
  | { ok: true; missing: true }
  | { ok: false; reason: string };

/** The clients' config files on this machine. */
export interface ClientFilesPort {
  /** Where each client keeps its config on this platform (Claude Code's projects come from reading ~/.claude.json). */
  locations(): ClientFileSpec[];
  /** The spec of a Claude Code project's .mcp.json in `dir`. */
  claudeCodeProject(dir: string): ClientFileSpec;
  read(path: string): FileRead;
  /** Replaces the file atomically, with `mode` or else its permissions kept; writes through a symlink. */
  write(path: string, bytes: Uint8Array, mode?: number): void;
  /** The path backup() would write to now: `<path>.airlock-backup`, or a free variant of it. */
  backupName(path: string): string;
  /** Writes `bytes` to a new backup file beside `path` (never over an existing file) and returns its path. */
  backup(path: string, bytes: Uint8Array): string;
  /** The backup's bytes, or undefined when it is gone. */
  readBackup(backup: string): Uint8Array | undefined;
  removeBackup(backup: string): void;
}

/** protected-clients.json. */
export interface ProtectionRecordsPort {
  /** Throws an Error whose message says why the file cannot be read. */
  load(): ProtectionRecord[];
  save(records: readonly ProtectionRecord[]): void;
}

/** The upstream servers Airlock serves. */
export interface UpstreamsPort {
  /** The servers in force, resolved. */
  list(): ServerConfig[];
  /** Whether config.json lists the id at all (served or not). */
  listed(id: string): boolean;
  /** Env and header values go to the secret store, the entry to config.json; served at once. */
  add(server: ServerConfig): void;
  /** Closes its sessions and takes it out of config.json; its policy file stays. */
  remove(id: string): void;
}

export interface GrantsPort {
  exists(name: string): boolean;
  add(name: string): { name: string; token: string };
  /** False when there was no such grant. */
  revoke(name: string): boolean;
}

export interface PolicyPort {
  /** The text of policies/<server>.json, or undefined when there is none. */
  read(server: string): string | undefined;
  /** Writes policies/<server>.json atomically and puts it in force. */
  write(server: string, text: string): void;
  /** Deletes policies/<server>.json. */
  remove(server: string): void;
}

export interface ClientProtectionDeps {
  files: ClientFilesPort;
  records: ProtectionRecordsPort;
  upstreams: UpstreamsPort;
  grants: GrantsPort;
  policies: PolicyPort;
  /** Lists a server's tools (for its default policy); bounded in time by the caller. */
  probe(server: ServerConfig): Promise<ProbeResult>;
  /** Where clients reach an upstream through Airlock: http://127.0.0.1:PORT/mcp/<id>. */
  endpoint(id: string): string;
  /** The port in that address, to recognise entries that already point at this Airlock. */
  port(): number | undefined;
  /** How this install starts the stdio bridge, or why it cannot. */
  bridge(): BridgeInfo;
  /** Said with every plan: that Airlock is not running, or listens on a port for this run only. */
  notes?(): string[];
  clock: Clock;
  logger: Logger;
}

export interface ClientProtection {
  detect(): ClientOnMachine[];
  /** How this install starts the stdio bridge, for the snippets of a manual setup. */
  bridge(): BridgeInfo;
  preview(client: ClientId, servers?: readonly string[]): ProtectPlan;
  protect(client: ClientId, servers?: readonly string[], basis?: string): Promise<ProtectResult>;
  unprotect(client: ClientId): UnprotectResult;
}

/** Shown in a preview where the new token will stand: it does not exist before Protect runs. */
function tokenPlaceholder(grant: string): string {
  return `<the new token of grant ${grant}>`;
}

/** A file of some client, read. */
interface ReadFile {
  spec: ClientFileSpec;
  /** For a Claude Code project's .mcp.json: which of its servers the person approved there. */
  project?: ClaudeCodeProject;
  read: FileRead;
  text?: string;
  bytes?: Uint8Array;
  entries: FoundEntry[];
  problem?: string;
}

/** One entry Protect will rewrite. */
interface Rewrite {
  entry: FoundEntry;
  key: string;
  id: string;
  reused: boolean;
  kept: Record<string, unknown>;
}

interface Plan {
  client: ClientId;
  grant: string;
  basis: string;
  files: { file: ReadFile; rewrites: Rewrite[] }[];
  imports: Map<string, ServerConfig>;
  reused: Set<string>;
  skipped: { key: string; name: string; reason: string }[];
  notes: string[];
  bridge?: BridgeCommand;
}

const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function entryHash(value: unknown): string {
  return sha256(canonicalJson(value));
}

/** Names a server in clients.preview and clients.protect. */
export function serverKey(file: string, path: readonly string[]): string {
  return JSON.stringify([file, ...path]);
}

/** A client server name as an Airlock id: letters, digits, "_", "." and "-", at most 60. */
function idFromName(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 60);
  return isValidName(cleaned) ? cleaned : 'server';
}

export function createClientProtection(deps: ClientProtectionDeps): ClientProtection {
  let busy = false;

  const loadRecords = (): ProtectionRecord[] => {
    try {
      return deps.records.load();
    } catch (error) {
      throw new ApiError('unavailable', errorMessage(error));
    }
  };

  const readSpec = (spec: ClientFileSpec): ReadFile => {
    const read = deps.files.read(spec.path);
    if (!read.ok)
      return { spec, read, entries: [], problem: `Airlock cannot read it: ${read.reason}` };
    if ('missing' in read) return { spec, read, entries: [] };
    const text = decoder.decode(read.bytes);
    const parsed = readClientFile(spec, text);
    if (!parsed.ok) {
      return {
        spec,
        read,
        text,
        bytes: read.bytes,
        entries: [],
        problem: `Airlock cannot parse it, so it leaves it untouched: ${parsed.problem}`,
      };
    }
    return { spec, read, text, bytes: read.bytes, entries: parsed.entries };
  };

  /** Every file of `client`: its usual places, Claude Code's projects, and files it protects. */
  const clientFiles = (client: ClientId, record?: ProtectionRecord): ReadFile[] => {
    const specs = deps.files.locations().filter((spec) => spec.client === client);
    const projects = new Map<string, ClaudeCodeProject>();
    if (client === 'claude-code') {
      for (const spec of [...specs]) {
        if (spec.layout !== 'claude-code-user') continue;
        const read = deps.files.read(spec.path);
        if (!read.ok || 'missing' in read) continue;
        for (const project of claudeCodeProjects(decoder.decode(read.bytes))) {
          const projectFile = deps.files.claudeCodeProject(project.dir);
          const found = deps.files.read(projectFile.path);
          if (found.ok && !('missing' in found)) {
            specs.push(projectFile);
            projects.set(projectFile.path, project);
          }
        }
      }
    }
    for (const file of record?.files ?? []) {
      if (specs.some((spec) => spec.path === file.path)) continue;
      specs.push({
        client,
        path: file.path,
        label: file.label,
        layout: file.layout,
        ...(file.cwd === undefined ? {} : { cwd: file.cwd }),
      });
    }
    return specs.map((spec) => {
      const project = projects.get(spec.path);
      return project === undefined ? readSpec(spec) : { ...readSpec(spec), project };
    });
  };

  /**
   * Whether Protect could put Airlock in front of the entry: a project's server the person has not
   * approved in Claude Code is not imported, since importing it starts it.
   */
  const importable = (client: ClientId, file: ReadFile, entry: FoundEntry, id: string) => {
    const unapproved = file.project && unapprovedProjectServer(file.project, entry.name);
    return unapproved === undefined
      ? importEntry(client, entry, id)
      : ({ ok: false, reason: unapproved } as const);
  };

  const describeServer = (
    client: ClientId,
    file: ReadFile,
    entry: FoundEntry,
    record?: ProtectedFileRecord,
  ): ClientServer => {
    const { transport, target } = describeEntry(entry.value);
    const base = {
      key: serverKey(file.spec.path, entry.path),
      name: entry.name,
      ...(entry.scope === undefined ? {} : { scope: entry.scope }),
      transport,
      target,
    };
    const wrote = record?.entries.find((e) => samePath(e.path, entry.path));
    if (wrote !== undefined && entryHash(entry.value) === wrote.writtenHash) {
      return { ...base, status: 'protected', note: `through Airlock as ${wrote.server}` };
    }
    if (pointsAtAirlock(entry.value, deps.port())) {
      return { ...base, status: 'through-airlock', note: 'it already goes through Airlock' };
    }
    const found = importable(client, file, entry, idFromName(entry.name));
    return found.ok
      ? { ...base, status: 'direct' }
      : { ...base, status: 'cannot-import', note: found.reason };
  };

  const describeClient = (
    client: ClientId,
    records: ProtectionRecord[],
    files: ReadFile[] = clientFiles(
      client,
      records.find((r) => r.client === client),
    ),
  ): ClientOnMachine => {
    const record = records.find((r) => r.client === client);
    const kind = CLIENTS[client];
    const shown: ClientFile[] = files.map((file) => {
      const fileRecord = record?.files.find((f) => f.path === file.spec.path);
      const exists = file.read.ok && !('missing' in file.read);
      return {
        path: file.spec.path,
        label: file.spec.label,
        exists,
        ...(file.problem === undefined ? {} : { problem: file.problem }),
        servers: file.entries.map((entry) => describeServer(client, file, entry, fileRecord)),
        ...(fileRecord === undefined
          ? {}
          : {
              backup: fileRecord.backup,
              changedSince:
                file.bytes === undefined || sha256(file.bytes) !== fileRecord.writtenHash,
            }),
      };
    });
    let cannotProtect: string | undefined;
    if (record !== undefined) cannotProtect = `${kind.name} is protected already.`;
    else if (!shown.some((f) => f.exists)) {
      cannotProtect = `No config of ${kind.name} was found on this machine.`;
    } else if (!shown.some((f) => f.servers.some((s) => s.status === 'direct'))) {
      cannotProtect = `${kind.name} lists no server that Airlock could put itself in front of.`;
    } else if (kind.via === 'bridge') {
      const bridge = deps.bridge();
      if (!bridge.ok) cannotProtect = bridge.reason;
    }
    return {
      id: client,
      name: kind.name,
      via: kind.via,
      files: shown,
      ...(record === undefined
        ? {}
        : {
            protection: {
              grant: record.grant,
              protectedAt: record.protectedAt,
              imported: [...record.imported],
              reused: [...record.reused],
              ...(deps.grants.exists(record.grant)
                ? {}
                : {
                    problem: `Its grant ${record.grant} was revoked, so ${kind.name} cannot connect through Airlock. Unprotect puts its config back.`,
                  }),
            },
          }),
      ...(cannotProtect === undefined ? {} : { cannotProtect }),
    };
  };

  const makePlan = (
    client: ClientId,
    records: ProtectionRecord[],
    chosen: readonly string[] | undefined,
  ): Plan => {
    const kind = CLIENTS[client];
    if (records.some((r) => r.client === client)) {
      throw new ApiError(
        'conflict',
        `${kind.name} is protected already; Unprotect it first to protect it again.`,
      );
    }
    let bridge: BridgeCommand | undefined;
    if (kind.via === 'bridge') {
      const info = deps.bridge();
      if (!info.ok) throw new ApiError('unavailable', info.reason);
      bridge = { command: info.command, args: info.args, dataDir: info.dataDir };
    }
    const files = clientFiles(client);
    const wanted = chosen === undefined ? undefined : new Set(chosen);
    const existing = deps.upstreams.list();
    const imports = new Map<string, ServerConfig>();
    const reused = new Set<string>();
    const skipped: Plan['skipped'] = [];
    const planned: Plan['files'] = [];
    // An id with a policy file is taken too: a new server starts under the default policy, never
    // under rules written for another server of that name.
    const taken = (id: string) =>
      deps.upstreams.listed(id) || imports.has(id) || deps.policies.read(id) !== undefined;
    for (const file of files) {
      const rewrites: Rewrite[] = [];
      for (const entry of file.entries) {
        const key = serverKey(file.spec.path, entry.path);
        const skip = (reason: string) => skipped.push({ key, name: entry.name, reason });
        if (pointsAtAirlock(entry.value, deps.port())) {
          skip('it already goes through Airlock');
          continue;
        }
        const probe = importable(client, file, entry, 'server');
        if (!probe.ok) {
          skip(probe.reason);
          continue;
        }
        if (wanted !== undefined && !wanted.has(key)) {
          skip('not chosen');
          continue;
        }
        // The same server already in Airlock (or imported a moment ago) is reused, not copied.
        const same = [...existing, ...imports.values()].find((s) => sameServer(s, probe.server));
        let id: string;
        if (same !== undefined) {
          id = same.id;
          if (!imports.has(id)) reused.add(id);
        } else {
          const base = idFromName(entry.name);
          id = base;
          for (let n = 2; taken(id); n++) id = `${base.slice(0, 60)}-${n}`;
          const imported = importEntry(client, entry, id);
          if (!imported.ok) {
            skip(imported.reason);
            continue;
          }
          imports.set(id, imported.server);
        }
        rewrites.push({ entry, key, id, reused: reused.has(id), kept: probe.kept });
      }
      if (file.problem !== undefined && file.read.ok && !('missing' in file.read)) {
        skipped.push({
          key: serverKey(file.spec.path, []),
          name: file.spec.path,
          reason: file.problem,
        });
      }
      if (rewrites.length > 0) planned.push({ file, rewrites });
    }
    let grant: string = client;
    for (let n = 2; deps.grants.exists(grant); n++) grant = `${client}-${n}`;
    const basis = sha256(
      files
        .map((f) => `${f.spec.path}\n${f.bytes === undefined ? '-' : sha256(f.bytes)}`)
        .join('\n'),
    );
    const notes: string[] = [];
    if (kind.via === 'http') {
      notes.push(
        `${kind.name} reaches each server at Airlock's address with the token of grant ${grant} in its Authorization header; the token is written into its config and nowhere else.`,
      );
    } else if (bridge !== undefined) {
      notes.push(
        `${kind.name} starts Airlock's bridge for each server (${[bridge.command, ...bridge.args].join(' ')} connect <server>), with the token of grant ${grant} in AIRLOCK_TOKEN.`,
      );
    }
    for (const { file } of planned) {
      if (file.spec.client === 'claude-code' && file.spec.path.endsWith('.mcp.json')) {
        notes.push(
          `${file.spec.path} is often committed to version control: after Protect it holds the grant's token, so keep that change out of commits.`,
        );
      }
    }
    if (imports.size > 0) {
      notes.push(
        'New servers start under a safe policy: tools their server marks read-only are allowed, every other tool waits for your approval. Change it on Policies.',
      );
    }
    notes.push(
      `Unprotect puts each file back from its backup, revokes grant ${grant} and removes the servers Protect added, with their policies unless you edited them.`,
    );
    notes.push(...(deps.notes?.() ?? []));
    notes.push(kind.reload);
    return {
      client,
      grant,
      basis,
      files: planned,
      imports,
      reused,
      skipped,
      notes,
      ...(bridge === undefined ? {} : { bridge }),
    };
  };

  const newEntry = (plan: Plan, rewrite: Rewrite, token: string): Record<string, unknown> => {
    const entry = airlockEntry(
      plan.client,
      { id: rewrite.id, endpoint: deps.endpoint(rewrite.id) },
      token,
      plan.bridge,
    );
    // makePlan refuses a bridge client without a bridge, so there is always an entry here.
    if (entry === undefined) throw new Error(`no entry for ${plan.client}`);
    return { ...entry, ...rewrite.kept };
  };

  const showPlan = (plan: Plan): ProtectPlan => {
    const token = tokenPlaceholder(plan.grant);
    return {
      client: plan.client,
      grant: plan.grant,
      basis: plan.basis,
      files: plan.files.map(({ file, rewrites }) => ({
        path: file.spec.path,
        label: file.spec.label,
        backup: deps.files.backupName(file.spec.path),
        changes: rewrites.map((r): EntryChange => ({
          name: r.entry.name,
          ...(r.entry.scope === undefined ? {} : { scope: r.entry.scope }),
          before: JSON.stringify(maskedEntry(r.entry.value), null, 2),
          after: JSON.stringify(newEntry(plan, r, token), null, 2),
        })),
      })),
      servers: plan.files.flatMap(({ rewrites }) =>
        rewrites.map((r) => ({ key: r.key, name: r.entry.name, id: r.id, reused: r.reused })),
      ),
      skipped: plan.skipped,
      notes: plan.notes,
    };
  };

  const exclusive = async <T>(work: () => T | Promise<T>): Promise<T> => {
    if (busy) {
      throw new ApiError(
        'conflict',
        'Another Protect or Unprotect is running; try again when it ends.',
      );
    }
    busy = true;
    try {
      return await work();
    } finally {
      busy = false;
    }
  };

  /** Lists the server's tools and writes its default policy, unless it has a policy already. */
  const startPolicy = async (
    id: string,
    server: ServerConfig,
  ): Promise<Omit<ProtectedServer, 'name' | 'reused'> & { hash?: string }> => {
    if (deps.policies.read(id) !== undefined) {
      return { id, policy: 'kept', allowed: [], needsApproval: [] };
    }
    const listed = await deps.probe(server).catch((error: unknown): ProbeResult => ({
      ok: false,
      error: errorMessage(error),
      elapsedMs: 0,
    }));
    const policy = defaultPolicy(listed.ok ? listed.tools : []);
    deps.policies.write(id, policy.text);
    return {
      id,
      hash: sha256(policy.text),
      policy: 'written',
      allowed: policy.allowed,
      needsApproval: policy.needsApproval,
      ...(listed.ok
        ? {}
        : {
            problem: `Airlock could not list its tools (${listed.error}), so every call to it waits for your approval until you change its policy.`,
          }),
    };
  };

  const protect = async (
    client: ClientId,
    chosen: readonly string[] | undefined,
    basis: string | undefined,
  ): Promise<ProtectResult> => {
    const records = loadRecords();
    const plan = makePlan(client, records, chosen);
    if (basis !== undefined && basis !== plan.basis) {
      throw new ApiError(
        'conflict',
        `${CLIENTS[client].name}'s config changed since the preview; look at the new preview before protecting.`,
      );
    }
    if (plan.files.length === 0) {
      throw new ApiError(
        'invalid_input',
        `Nothing to protect: none of ${CLIENTS[client].name}'s servers was chosen, or Airlock cannot import them.`,
      );
    }
    const undo: (() => void)[] = [];
    const rollBack = () => {
      for (const step of undo.reverse()) {
        try {
          step();
        } catch (error) {
          deps.logger.error(`could not undo a step of protecting ${client}`, {
            error: errorMessage(error),
          });
        }
      }
    };
    try {
      const grant = deps.grants.add(plan.grant);
      undo.push(() => deps.grants.revoke(grant.name));
      for (const [id, server] of plan.imports) {
        deps.upstreams.add(server);
        undo.push(() => deps.upstreams.remove(id));
      }
      const started = await Promise.all(
        [...plan.imports].map(([id, server]) => startPolicy(id, server)),
      );
      for (const { id, hash } of started)
        if (hash !== undefined) undo.push(() => deps.policies.remove(id));
      const fileRecords: ProtectedFileRecord[] = [];
      for (const { file, rewrites } of plan.files) {
        const original = file.bytes as Uint8Array;
        // The last look: a client that saved its file since the plan keeps its change.
        const now = deps.files.read(file.spec.path);
        if (!now.ok || 'missing' in now || sha256(now.bytes) !== sha256(original)) {
          throw new ApiError(
            'conflict',
            `${file.spec.path} changed while Airlock was protecting ${CLIENTS[client].name}; nothing was changed. Try again.`,
          );
        }
        const backup = deps.files.backup(file.spec.path, original);
        undo.push(() => deps.files.removeBackup(backup));
        // The file now holds the grant's token: readable by the user alone, as the backup is.
        const mode = now.mode;
        const written = rewrites.map((r) => ({
          rewrite: r,
          value: newEntry(plan, r, grant.token),
        }));
        const text = replaceEntries(
          file.text as string,
          written.map(({ rewrite, value }) => ({ path: rewrite.entry.path, value })),
        );
        const bytes = encoder.encode(text);
        deps.files.write(file.spec.path, bytes, mode === undefined ? undefined : mode & 0o700);
        undo.push(() => deps.files.write(file.spec.path, original, mode));
        fileRecords.push({
          path: file.spec.path,
          label: file.spec.label,
          layout: file.spec.layout,
          ...(file.spec.cwd === undefined ? {} : { cwd: file.spec.cwd }),
          backup,
          ...(mode === undefined ? {} : { mode }),
          originalHash: sha256(original),
          writtenHash: sha256(bytes),
          entries: written.map(({ rewrite, value }) => ({
            path: rewrite.entry.path,
            name: rewrite.entry.name,
            server: rewrite.id,
            writtenHash: entryHash(value),
          })),
        });
      }
      const record: ProtectionRecord = {
        client,
        grant: grant.name,
        protectedAt: new Date(deps.clock.now()).toISOString(),
        files: fileRecords,
        imported: [...plan.imports.keys()],
        reused: [...plan.reused],
        policies: started.flatMap((s) =>
          s.hash === undefined ? [] : [{ server: s.id, hash: s.hash }],
        ),
      };
      // Read again: another process (the CLI beside the app) may have changed the records meanwhile.
      deps.records.save([...loadRecords().filter((r) => r.client !== client), record]);
      deps.logger.info(
        `protected ${client}: ${fileRecords.length} file(s) rewritten, grant ${grant.name}, servers ${[...plan.imports.keys(), ...plan.reused].join(', ')}`,
      );
      const byId = new Map(started.map(({ hash: _hash, ...s }) => [s.id, s]));
      const servers = plan.files.flatMap(({ rewrites }) =>
        rewrites.map((r): ProtectedServer => ({
          name: r.entry.name,
          reused: r.reused,
          ...(byId.get(r.id) ?? { id: r.id, policy: 'kept', allowed: [], needsApproval: [] }),
        })),
      );
      return {
        client: describeClient(client, [...records, record]),
        grant: grant.name,
        servers,
        files: fileRecords.map(({ path, backup }) => ({ path, backup })),
        notes: [CLIENTS[client].reload],
      };
    } catch (error) {
      rollBack();
      throw error;
    }
  };

  const unprotect = (client: ClientId): UnprotectResult => {
    const kind = CLIENTS[client];
    const records = loadRecords();
    const record = records.find((r) => r.client === client);
    if (record === undefined) throw new ApiError('not_found', `${kind.name} is not protected.`);
    // Everything is checked before anything is written, so a refusal changes nothing.
    const steps = record.files.map((file) => planRestore(deps.files, file));
    const refusals = steps.filter((s): s is { refused: string } => 'refused' in s);
    if (refusals.length > 0) {
      throw new ApiError(
        'conflict',
        `${refusals.map((r) => r.refused).join(' ')} Nothing was changed.`,
      );
    }
    const restored: UnprotectResult['restored'] = [];
    const notes: string[] = [];
    const remaining = [...record.files];
    try {
      for (const step of steps as RestoreStep[]) {
        deps.files.write(step.file.path, step.bytes, step.mode);
        restored.push({ path: step.file.path, how: step.how });
        remaining.splice(remaining.indexOf(step.file), 1);
        try {
          deps.files.removeBackup(step.file.backup);
        } catch (error) {
          notes.push(`The backup ${step.file.backup} could not be deleted: ${errorMessage(error)}`);
        }
      }
    } catch (error) {
      // What was restored stays restored; the rest is still protected, and said so.
      deps.records.save(records.map((r) => (r === record ? { ...r, files: remaining } : r)));
      throw error;
    }
    if (!deps.grants.revoke(record.grant)) {
      notes.push(`Grant ${record.grant} was revoked already.`);
    }
    const others = records.filter((r) => r !== record);
    const removed: string[] = [];
    const kept: string[] = [];
    for (const id of record.imported) {
      const user = others.find((r) => r.imported.includes(id) || r.reused.includes(id));
      if (user !== undefined) {
        // Another protected client reaches it: it stays, and is now that client's to remove.
        if (!user.imported.includes(id)) user.imported.push(id);
        user.reused = user.reused.filter((r) => r !== id);
        user.policies.push(...record.policies.filter((p) => p.server === id));
        kept.push(id);
        continue;
      }
      try {
        if (deps.upstreams.listed(id)) {
          deps.upstreams.remove(id);
          removed.push(id);
        }
        // The default policy Protect wrote goes too, unless the person made it theirs.
        const written = record.policies.find((p) => p.server === id);
        const text = deps.policies.read(id);
        if (written !== undefined && text !== undefined) {
          if (sha256(text) === written.hash) deps.policies.remove(id);
          else notes.push(`The policy of ${id} was edited since Protect wrote it, so it stays.`);
        }
      } catch (error) {
        notes.push(`Server ${id} could not be removed from Airlock: ${errorMessage(error)}`);
      }
    }
    deps.records.save(others);
    if (restored.some((r) => r.how === 'entries')) {
      notes.push(
        'A file changed since Airlock protected it, so only the servers Airlock rewrote were put back; the other changes stay.',
      );
    }
    notes.push(kind.reload);
    deps.logger.info(`unprotected ${client}: grant ${record.grant} revoked`, { removed });
    return {
      client: describeClient(client, others),
      restored,
      grant: record.grant,
      removed,
      kept,
      notes,
    };
  };

  return {
    bridge: () => deps.bridge(),
    detect: () => {
      const records = loadRecords();
      return CLIENT_IDS.map((client) => describeClient(client, records));
    },
    preview: (client, chosen) => showPlan(makePlan(client, loadRecords(), chosen)),
    protect: (client, chosen, basis) => exclusive(() => protect(client, chosen, basis)),
    unprotect: (client) => {
      if (busy) {
        throw new ApiError(
          'conflict',
          'Another Protect or Unprotect is running; try again when it ends.',
        );
      }
      return unprotect(client);
    },
  };
}

type RestoreStep = {
  file: ProtectedFileRecord;
  bytes: Uint8Array;
  how: 'bytes' | 'entries';
  /** The permissions to put back with the original bytes; a file the client rewrote keeps its own. */
  mode?: number;
};

/**
 * How to put one file back: its original bytes when it is as Airlock left it; when it changed
 * elsewhere but the entries Airlock wrote are intact (a client that rewrites its own file, as
 * Claude Code does with ~/.claude.json), those entries as they were. Anything else is refused.
 */
function planRestore(
  files: ClientFilesPort,
  file: ProtectedFileRecord,
): RestoreStep | { refused: string } {
  const original = files.readBackup(file.backup);
  if (original === undefined || sha256(original) !== file.originalHash) {
    return {
      refused: `The backup ${file.backup} is missing or was changed, so Airlock cannot put ${file.path} back.`,
    };
  }
  const now = files.read(file.path);
  if (!now.ok) return { refused: `Airlock cannot read ${file.path}: ${now.reason}.` };
  if ('missing' in now) {
    return {
      refused: `${file.path} was deleted since Airlock protected it; its original is in ${file.backup}.`,
    };
  }
  if (sha256(now.bytes) === file.writtenHash) {
    return { file, bytes: original, how: 'bytes', mode: file.mode };
  }
  const text = decoder.decode(now.bytes);
  const changed = file.entries.filter((e) => {
    const value = valueAt(text, e.path);
    return value === undefined || entryHash(value) !== e.writtenHash;
  });
  if (changed.length > 0) {
    const names = changed.map((e) => JSON.stringify(e.name)).join(', ');
    return {
      refused: `${file.path} was changed since Airlock protected it: the entr${changed.length === 1 ? 'y' : 'ies'} for ${names} ${changed.length === 1 ? 'is' : 'are'} not what Airlock wrote. Put the file back by hand from ${file.backup}.`,
    };
  }
  const originalText = decoder.decode(original);
  const restored = replaceEntries(
    text,
    file.entries.map((e) => ({ path: e.path, value: valueAt(originalText, e.path) })),
  );
  return { file, bytes: encoder.encode(restored), how: 'entries' };
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

/** The same upstream under another id: what to run (or reach) and with what, all equal. */
function sameServer(a: ServerConfig, b: ServerConfig): boolean {
  return canonicalJson({ ...a, id: '' }) === canonicalJson({ ...b, id: '' });
}
