// The app API: every command a UI can send to the core (name, input schema, output type) and every
// event the core pushes. The HTTP adapter, the IPC adapter, the preload bridge and the renderer's
// client are all derived from this file, so the API's shape is written once.
import { z } from 'zod';
import type {
  BridgeInfo,
  ClientOnMachine,
  ClientServer,
  ProtectPlan,
  ProtectResult,
  UnprotectResult,
} from './model/clients';
import type { CallDecision, CallRecord, HistoryPage, HourlyCount } from './model/history';
import type { JsonProblem } from './model/json-problem';
import { NAME_PATTERN, NAME_RULE } from './model/names';
import type { PauseState } from './model/pause';
import type { ServerDraft, SecretStoreInfo } from './model/servers';
import {
  settingSpecs,
  type EditableSettings,
  type SettingSpec,
  type Settings,
  type StartSettings,
} from './model/settings';
import type {
  DefinitionChange,
  DiffRow,
  FieldDiff,
  GrantRisk,
  ToolFlag,
  ToolRisk,
  ToolRiskReport,
} from './model/tools';
import { CLIENT_IDS } from './mcp-clients';

export type {
  CallDecision,
  CallRecord,
  DefinitionChange,
  DiffRow,
  EditableSettings,
  FieldDiff,
  HistoryPage,
  HourlyCount,
  JsonProblem,
  SecretStoreInfo,
  Settings,
  ServerDraft,
  GrantRisk,
  ToolFlag,
  ToolRisk,
  ToolRiskReport,
  BridgeInfo,
  ClientOnMachine,
  ClientServer,
  ProtectPlan,
  ProtectResult,
  UnprotectResult,
};

const name = z.string().regex(new RegExp(NAME_PATTERN), NAME_RULE);
const epochMs = z.number().int().nonnegative();

const historyFilter = z.strictObject({
  from: epochMs.optional(),
  to: epochMs.optional(),
  grant: z.string().max(200).optional(),
  server: z.string().max(200).optional(),
  tool: z.string().max(200).optional(),
  toolContains: z.string().max(200).optional(),
  decision: z.enum(['allow', 'deny', 'pending']).optional(),
  text: z.string().max(500).optional(),
});

/**
 * A call held for a person, as the UI shows it, with the exact arguments: the person must be able
 * to read what will run, and a secret-looking label must not hide it from them. They live in the
 * core's memory only (the history row, the log and exports keep the redacted form) and reach only
 * the holder of the UI token, through approvals.list and approvals.decide, and through the
 * approval.added and approval.resolved events too: those go to the same holders (the event
 * stream wants the same token, IPC only the app's window), the Pending screen builds its cards
 * from approval.added without asking again, and one Approval type serves all four.
 */
export interface Approval {
  id: string;
  /** The history row of the call (redacted). */
  callId: number;
  grant: string;
  session: string;
  server: string;
  tool: string;
  /** Exactly the arguments forwarded if the call is allowed. */
  args: unknown;
  /**
   * The values in `args` that look like secrets (those the history redacts), for the UI to mask
   * until the person asks to see one: each by JSON Pointer into `args`, with its redacted text.
   */
  secrets: { pointer: string; redacted: string }[];
  argsHash: string;
  rule: string;
  reason: string;
  policyHash?: string;
  /**
   * Set when the call is held because its tool's definition is not the one accepted: what changed,
   * for the person to read before allowing this call or accepting the definition (tools.accept).
   */
  definitionChange?: DefinitionChange;
  /** Epoch ms. */
  receivedAt: number;
  expiresAt: number;
}

export type ApprovalOutcome =
  | { outcome: 'allowed'; by: 'person'; forMinutes?: number }
  | { outcome: 'denied'; by: 'person'; message?: string }
  | { outcome: 'expired'; by: 'timeout' }
  /** Nothing can run it any more: its client cancelled or left, Airlock stopped, or its grant was revoked. */
  | { outcome: 'withdrawn'; by: 'cancel' | 'disconnect' | 'restart' | 'revoke' };

/** "Allow this tool for this grant for N minutes", given when answering a held call. */
export interface TemporaryGrant {
  id: string;
  grant: string;
  server: string;
  tool: string;
  /** Epoch ms. */
  createdAt: number;
  expiresAt: number;
}

export interface PolicyInfo {
  server: string;
  /** policies/<server>.json */
  file: string;
  /** Hash of the policy in force; absent when there is none (every call refused). */
  hash?: string;
  /** Problems in the file as it is now; empty when the file is the policy in force. */
  errors: JsonProblem[];
  loadedAt?: number;
}

export type ServerState = 'idle' | 'connected' | 'restarting' | 'failed';

export interface ServerInfo {
  id: string;
  transport: 'stdio' | 'http' | 'sse';
  /** The command line (stdio) or URL (http, sse), credentials in it masked as "***"; header and environment values are not shown. */
  target: string;
  /** Where agents connect to reach this server through Airlock: http://127.0.0.1:PORT/mcp/<id>. */
  endpoint: string;
  state: ServerState;
  /** Client sessions open with this server. */
  sessions: number;
  lastError?: string;
  policy: PolicyInfo;
}

/**
 * config.json as Airlock last read it. Airlock watches the file: a valid edit is in force at once,
 * an invalid one (or a deleted file) leaves the last good config in force until it is fixed.
 */
export interface ConfigStatus {
  /** The file's path. */
  file: string;
  /** Why the file as it is now is not in force, with line and column where there are any; empty when it is. */
  problems: JsonProblem[];
  /** Settings read only at start whose value in the file differs from the one in force. */
  nextStart: Partial<StartSettings>;
}

/** One argument of a tool, from its input schema. */
export interface ToolParam {
  name: string;
  /** The JSON Schema type, e.g. "string" or "string | null"; absent when the schema gives none. */
  type?: string;
  required: boolean;
  description?: string;
}

/** The tool's definition against its pin: the accepted one, or changed since (with what changed). */
export type ToolPinState =
  | { state: 'pinned'; hash: string; acceptedAt: number }
  | { state: 'changed'; change: DefinitionChange };

/** A tool the upstream server offers, with what the policy in force does with it. */
export interface ToolInfo {
  name: string;
  title?: string;
  description?: string;
  params: ToolParam[];
  risk: ToolRiskReport;
  /** The listed definition against its pin; absent where Airlock keeps no pins. */
  pin?: ToolPinState;
  /** Hidden characters, text aimed at the model, other tools named, a name that imitates another. */
  flags?: ToolFlag[];
}

/** What connecting to a server found, or why it could not connect. */
export type ConnectionTest =
  | {
      ok: true;
      serverName: string;
      serverVersion: string;
      tools: number;
      elapsedMs: number;
    }
  | { ok: false; error: string; elapsedMs: number };

/** One decision as the policy made it: what it said, by which rule, and why. */
export interface DecisionSummary {
  action: 'allow' | 'deny' | 'require_approval';
  rule: string;
  reason: string;
}

/** A recorded call whose decision would differ under a draft policy. */
export interface DryRunChange {
  call: CallRecord;
  /** What the policy in force at the time said. */
  before: DecisionSummary;
  /** What the draft says. */
  after: DecisionSummary;
}

export interface GrantInfo {
  name: string;
  created: string;
}

/** One command: its input schema and, as a type only, its output. */
interface Command<Input extends z.ZodType, Output> {
  input: Input;
  /** Never set; carries the output type. */
  output?: Output;
}

function command<Output>() {
  return <Input extends z.ZodType>(input: Input): Command<Input, Output> => ({ input });
}

const none = z.strictObject({});

/** One mcpServers entry as config.json holds it; the config parser checks it, so its problems read alike. */
const serverEntry = z.record(z.string().max(200), z.unknown());
/** Env and header names whose saved values an edit keeps (the form shows them masked). */
const keptSecrets = z.strictObject({
  env: z.array(z.string().max(200)).max(200).optional(),
  headers: z.array(z.string().max(200)).max(200).optional(),
});

/** One setting's value within the settings table's limits. */
function settingValue(spec: SettingSpec): z.ZodType {
  switch (spec.kind) {
    case 'integer':
    case 'duration': {
      const atLeast = z.number().int().min(spec.min);
      return spec.max === undefined ? atLeast : atLeast.max(spec.max);
    }
    case 'boolean':
      return z.boolean();
    case 'choice':
      return z.enum(spec.choices.map((c) => c.value) as [string, ...string[]]);
    case 'redaction':
      return z.never();
  }
}

/**
 * settings.update's input: any of the editable settings (see src/shared/model/settings.ts). The
 * shape is built from the table, so its type is stated rather than inferred.
 */
const settingsChange = z.strictObject(
  Object.fromEntries(
    settingSpecs()
      .filter(([, spec]) => spec.editable)
      .map(([key, spec]) => [key, settingValue(spec).optional()]),
  ),
) as unknown as z.ZodType<Partial<EditableSettings>, Partial<EditableSettings>>;

const approvalId = z.string().min(1).max(100);

/** An answer's other keys are refused by name: each belongs to the other answer. */
function onlyWith(key: string, belongs: string) {
  return (issue: { code?: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys' && issue.keys?.includes(key) ? belongs : undefined;
}

/** A person's answer to a held call: allow (perhaps for a while) or deny (perhaps saying why). */
const decision = z.discriminatedUnion('decision', [
  z.strictObject(
    {
      id: approvalId,
      decision: z.literal('allow'),
      /** Also allow this tool for this grant for N minutes. */
      forMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .optional(),
    },
    { error: onlyWith('message', 'message goes with deny (it is sent to the agent), not allow') },
  ),
  z.strictObject(
    {
      id: approvalId,
      decision: z.literal('deny'),
      /** Sent to the agent with the denial. */
      message: z.string().max(2000).optional(),
    },
    { error: onlyWith('forMinutes', 'forMinutes goes with allow, not deny') },
  ),
]);

const clientId = z.enum(CLIENT_IDS);
/** Servers of a client, by the key clients.detect gives each. */
const serverKeys = z.array(z.string().max(5000)).max(500);

export const COMMANDS = {
  'approvals.list': command<{ approvals: Approval[] }>()(none),
  'approvals.decide': command<{ approval: Approval; outcome: ApprovalOutcome }>()(decision),
  /** The policy text with this held call's tool allowed for its grant, for the user to review and save. */
  'approvals.proposeAlwaysAllow': command<{ server: string; text: string; baseHash?: string }>()(
    z.strictObject({ id: approvalId }),
  ),
  'history.query': command<HistoryPage>()(
    historyFilter.extend({
      cursor: z.string().max(100).optional(),
      limit: z.number().int().min(1).max(500).optional(),
    }),
  ),
  'history.get': command<{ call: CallRecord }>()(z.strictObject({ id: z.number().int() })),
  'history.counts': command<{ counts: HourlyCount[] }>()(historyFilter),
  'history.export': command<{
    filename: string;
    mimeType: string;
    content: string;
    rows: number;
    /** True when more calls matched than `limit`. */
    truncated: boolean;
  }>()(
    z.strictObject({
      format: z.enum(['csv', 'jsonl']),
      filter: historyFilter.optional(),
      limit: z.number().int().min(1).max(100_000).optional(),
    }),
  ),
  'policies.list': command<{ policies: PolicyInfo[] }>()(none),
  /** The file's text and its textHash (absent when there is no file) with the state in force. */
  'policies.get': command<PolicyInfo & { text?: string; textHash?: string }>()(
    z.strictObject({ server: name }),
  ),
  'policies.validate': command<{ ok: boolean; errors: JsonProblem[] }>()(
    z.strictObject({ text: z.string().max(1_000_000) }),
  ),
  /** Validates, writes atomically and puts the policy in force at once. */
  'policies.save': command<{ hash: string; textHash: string }>()(
    z.strictObject({
      server: name,
      text: z.string().max(1_000_000),
      /** The textHash the edit started from; the save is refused if the file changed since. */
      baseHash: z.string().optional(),
    }),
  ),
  /**
   * Replays the server's most recent calls from the history against a draft policy, oldest
   * first with fresh counters, and lists those whose decision would change. Recorded arguments
   * are redacted, so an argument rule on a secret value sees the redacted text.
   */
  'policies.dryRun': command<{
    ok: boolean;
    errors: JsonProblem[];
    replayed: number;
    changes: DryRunChange[];
  }>()(
    z.strictObject({
      server: name,
      text: z.string().max(1_000_000),
      /** How many of the newest calls to replay; default 500. */
      calls: z.number().int().min(1).max(10_000).optional(),
    }),
  ),
  /**
   * Decides one call under a draft policy, as the gatekeeper would, without forwarding, counting
   * or recording it: counters start empty, so a rate limit never refuses it. No grant means a
   * client with no rules of its own.
   */
  'policies.tryCall': command<
    { ok: true; decision: DecisionSummary } | { ok: false; errors: JsonProblem[] }
  >()(
    z.strictObject({
      server: name,
      text: z.string().max(1_000_000),
      grant: name.optional(),
      tool: z.string().min(1).max(500),
      args: z.record(z.string(), z.unknown()),
    }),
  ),
  /**
   * The servers config.json lists (one whose env or header value is missing from the secret store
   * is `failed`, with why), and where those values are kept: the OS keychain or a file.
   */
  'servers.list': command<{ servers: ServerInfo[]; secretStore?: SecretStoreInfo }>()(none),
  /** A server's entry for editing; env and header values are left out, only their names come back. */
  'servers.get': command<{ server: ServerDraft }>()(z.strictObject({ id: name })),
  /**
   * The upstream's tools with their risk under the policy in force. The tool list is fetched once
   * and kept until the server changes or `refresh` is set; the risks always follow the policy.
   */
  'servers.tools': command<{
    server: string;
    tools: ToolInfo[];
    /** Epoch ms the tool list was fetched from the server. */
    fetchedAt: number;
    /** Tools the policy names that the server does not offer (a typo, or a tool that was removed). */
    unknownInPolicy: string[];
  }>()(z.strictObject({ server: name, refresh: z.boolean().optional() })),
  /**
   * Accepts a tool's changed definition (the hash a held call or servers.tools showed): it becomes
   * the pinned one, and calls that see it follow the policy again. A conflict if it changed again.
   */
  'tools.accept': command<{ server: string; tool: string; hash: string; acceptedAt: number }>()(
    z.strictObject({
      server: name,
      tool: z.string().min(1).max(10_000),
      hash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex'),
    }),
  ),
  /** Connects to a server as configured (initialize, tools/list, close) without saving anything. */
  'servers.test': command<ConnectionTest>()(
    z.strictObject({
      config: serverEntry,
      /** The saved server the entry edits: kept env and header values come from it. */
      id: name.optional(),
      keep: keptSecrets.optional(),
    }),
  ),
  /** Adds the entry to config.json's mcpServers and serves it at once at /mcp/<id>. */
  'servers.add': command<{ server: ServerInfo }>()(
    z.strictObject({ id: name, config: serverEntry }),
  ),
  /** Replaces the entry in config.json; the server's open sessions are closed so clients reconnect to the new one. */
  'servers.update': command<{ server: ServerInfo }>()(
    z.strictObject({ id: name, config: serverEntry, keep: keptSecrets.optional() }),
  ),
  /** Closes the server's sessions and its endpoint and takes it out of config.json; its policy file stays. */
  'servers.remove': command<{ removed: string; policyFile: string }>()(
    z.strictObject({ id: name }),
  ),
  'grants.list': command<{ grants: GrantInfo[]; temporary: TemporaryGrant[] }>()(none),
  /** The token is in this answer only; Airlock keeps just its hash. */
  'grants.add': command<{ name: string; token: string }>()(z.strictObject({ name })),
  /** Renames a grant; its token, its policy overrides and its rate-limit counts stay with it. */
  'grants.rename': command<{ name: string }>()(z.strictObject({ name, newName: name })),
  'grants.revoke': command<{ revoked: boolean }>()(z.strictObject({ name })),
  'grants.revokeTemporary': command<{ revoked: boolean }>()(
    z.strictObject({ id: z.string().min(1).max(100) }),
  ),
  /** The settings, and the port Airlock listens on now (settings.port applies from the next start). */
  'settings.get': command<{ settings: Settings; listeningPort: number }>()(none),
  'settings.update': command<{ settings: Settings }>()(settingsChange),
  /**
   * The MCP clients on this machine (Claude Desktop, Claude Code, Cursor, VS Code, Windsurf), their
   * config files and servers, and whether Airlock protects them; and how this install starts the
   * stdio bridge, for the snippets of a manual setup.
   */
  'clients.detect': command<{ clients: ClientOnMachine[]; bridge: BridgeInfo }>()(none),
  /** What Protect would change, changing nothing: the grant, the servers, each entry before and after. */
  'clients.preview': command<ProtectPlan>()(
    z.strictObject({ client: clientId, servers: serverKeys.optional() }),
  ),
  /**
   * Imports the chosen servers (all it can, when not given) as upstreams under a safe default
   * policy, creates one grant for the client and rewrites its config to reach them through
   * Airlock, after a backup beside each file. Refused when the files changed since `basis`.
   */
  'clients.protect': command<ProtectResult>()(
    z.strictObject({
      client: clientId,
      servers: serverKeys.optional(),
      basis: z.string().max(100).optional(),
    }),
  ),
  /**
   * Puts the client's files back, revokes its grant and removes the servers Protect imported;
   * refused, changing nothing, when a file changed in what Airlock wrote.
   */
  'clients.unprotect': command<UnprotectResult>()(z.strictObject({ client: clientId })),
  /** Whether config.json as it is now is in force, and what in it waits for the next start. */
  'config.status': command<{ config: ConfigStatus }>()(none),
  /** Whether Airlock is paused: while it is, every tools/call is refused (decided by "pause"). */
  'pause.get': command<{ pause: PauseState }>()(none),
  /** Pauses or resumes; the state outlives a restart. */
  'pause.set': command<{ pause: PauseState }>()(z.strictObject({ paused: z.boolean() })),
} as const;

export type CommandName = keyof typeof COMMANDS;
export type CommandInput<C extends CommandName> = z.input<(typeof COMMANDS)[C]['input']>;
export type CommandOutput<C extends CommandName> = NonNullable<(typeof COMMANDS)[C]['output']>;

// The names as plain lists live apart from the schemas, for the preload, which cannot load zod.
export { COMMAND_NAMES, EVENT_NAMES } from './command-names';

export function isCommandName(value: string): value is CommandName {
  return Object.hasOwn(COMMANDS, value);
}

/** Everything the core pushes to UIs. */
export interface EventPayloads {
  'approval.added': { approval: Approval };
  'approval.resolved': { approval: Approval; outcome: ApprovalOutcome };
  /** A call was recorded or its row changed (decided, finished). */
  'call.recorded': { call: CallRecord };
  'policy.changed': { policy: PolicyInfo };
  'server.status': { server: ServerInfo };
  /** The server was removed from config.json; /mcp/<id> answers 404 from now on. */
  'server.removed': { id: string };
  /** Grants or temporary grants were added, revoked or expired. */
  'grants.changed': Record<string, never>;
  'settings.changed': { settings: Settings };
  /** config.json's problems or the settings it keeps for the next start changed. */
  'config.changed': { config: ConfigStatus };
  /** Airlock was paused or resumed. */
  'pause.changed': { pause: PauseState };
  /** A tool's definition changed from its pin (`hash` the new one), or a person accepted one. */
  'pin.changed': { server: string; tool: string; state: 'changed' | 'accepted'; hash: string };
}

export type EventName = keyof EventPayloads;
export type AppEvent = { [E in EventName]: { name: E; data: EventPayloads[E] } }[EventName];

/** A command that could not be carried out: bad input, something missing, or a conflict. */
export type ApiErrorCode = 'invalid_input' | 'not_found' | 'conflict' | 'unavailable';

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; problems?: JsonProblem[] };
}

/** What every transport gives the renderer: one function per command and an event subscription. */
export interface Api {
  call<C extends CommandName>(command: C, input: CommandInput<C>): Promise<CommandOutput<C>>;
  on(listener: (event: AppEvent) => void): () => void;
  /**
   * Called when the event stream is back after a drop (HTTP only; IPC does not drop). Events sent
   * while it was down are lost, so whatever the UI holds must be loaded again.
   */
  onReconnect?(listener: () => void): () => void;
}
