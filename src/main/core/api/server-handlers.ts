// The app API's server commands: read an entry for editing, list an upstream's tools with their
// risk under the policy, their pinned state and what in them deserves a look, test a connection,
// and add, change or remove servers. Entries are checked
// by the config.json parser, so a problem reads the same here as in the file. The composition root
// passes the registry of running servers (which edits config.json) and the connection probe.
import type { ServerInfo, ToolInfo, ToolParam } from '../../../shared/contract';
import { ApiError } from '../../../shared/api-error';
import {
  parseServerEntry,
  serverDraft,
  withKeptSecrets,
  type KeptSecrets,
} from '../config/server-entry';
import type { ServerConfig, ServerEntry } from '../config/types';
import { asObject, entries } from '../json-values';
import type { PolicyRegistry } from '../policy';
import { toolRisk } from '../policy/tool-risk';
import type { Clock, JsonProblem, Parsed } from '../ports';
import { flagTool } from '../tools/tool-flags';
import { readToolDefinition, type ToolDefinition } from '../tools/tool-definition';
import type { ToolPins } from '../tools/tool-pins';
import type { CommandHandlers } from './dispatcher';

/**
 * A tool as the upstream's tools/list describes it, as it was sent: its definition is pinned, so
 * nothing in it may be dropped or rewritten on the way (the proxy sees the same bytes).
 */
export type UpstreamTool = ToolDefinition;

export type ProbeResult =
  | {
      ok: true;
      serverInfo: { name: string; version: string };
      tools: UpstreamTool[];
      elapsedMs: number;
    }
  | { ok: false; error: string; elapsedMs: number };

/** Connects to a server as configured, lists its tools and disconnects, all within `timeoutMs`. */
export type UpstreamProbe = (server: ServerConfig, timeoutMs: number) => Promise<ProbeResult>;

/** A server config.json lists that is not served: a value it refers to is missing from the store. */
export interface UnavailableServer {
  entry: ServerEntry;
  /** The entry with the values that could be found; an edit may keep those. */
  partial: ServerConfig;
  reason: string;
}

/** The running servers. Changes are saved to config.json and take effect at once. */
export interface ServerRegistry {
  /** A server in force. */
  get(id: string): ServerConfig | undefined;
  /** A server listed but not served, and why; an edit or removal in the app may fix it. */
  unavailable?(id: string): UnavailableServer | undefined;
  info(id: string): ServerInfo | undefined;
  /** Throws ApiError('conflict') when config.json already lists the id or cannot be edited. */
  add(server: ServerConfig): ServerInfo;
  /** Closes the server's open sessions, so the next connection uses the new entry. */
  update(server: ServerConfig): ServerInfo;
  /** Closes its sessions and endpoint, takes it out of config.json; the policy file stays. */
  remove(id: string): void;
}

export interface ServerHandlersDeps {
  registry: ServerRegistry;
  probe: UpstreamProbe;
  policies: PolicyRegistry;
  policyPath(server: string): string;
  clock: Clock;
  /** How long a connection test or a tool listing may take. */
  probeTimeoutMs: number;
  /** Pinned definitions: a listing pins new tools and shows changed ones. */
  pins?: ToolPins;
  /** Every configured server's id, for tool names that carry another server's prefix. */
  serverIds?(): string[];
}

type ServerCommand =
  | 'servers.get'
  | 'servers.tools'
  | 'servers.test'
  | 'servers.add'
  | 'servers.update'
  | 'servers.remove';

/** More tools than this from one server are not shown; no real server has that many. */
const MAX_TOOLS = 1000;
const MAX_DESCRIPTION = 4000;
const MAX_PARAMS = 100;

export function createServerHandlers(
  deps: ServerHandlersDeps,
): Pick<CommandHandlers, ServerCommand> {
  const { registry } = deps;
  /**
   * Tool lists fetched from each server, kept until the server changes or a refresh is asked. Each
   * remembers the entry it came from: an entry changed in config.json (not through these commands)
   * is a new object, and its old list is not served for it.
   */
  const toolLists = new Map<
    string,
    { server: ServerConfig; tools: UpstreamTool[]; fetchedAt: number }
  >();
  /** One listing at a time per server entry: a screen opening while another lists shares the answer. */
  const listing = new Map<
    string,
    { server: ServerConfig; done: Promise<{ tools: UpstreamTool[]; fetchedAt: number }> }
  >();

  const notFound = (id: string) =>
    new ApiError('not_found', `No upstream server "${id}" is configured.`);
  const saved = (id: string): ServerConfig => {
    const server = registry.get(id);
    if (server) return server;
    const unavailable = registry.unavailable?.(id);
    if (unavailable) throw new ApiError('unavailable', `"${id}" is ${unavailable.reason}`);
    throw notFound(id);
  };
  /** What an edit keeps values from: the server in force, or what could be found of one that is not. */
  const editBase = (id: string): ServerConfig | undefined =>
    registry.get(id) ?? registry.unavailable?.(id)?.partial;

  const entry = (
    id: string,
    config: Record<string, unknown>,
    keep?: KeptSecrets,
    base?: ServerConfig,
  ): ServerConfig => {
    const parsed = parseServerEntry(id, config);
    const kept = parsed.ok ? withKeptSecrets(parsed.value, base, keep) : parsed;
    return valueOr(kept, `The entry for "${id}"`);
  };

  const fetchTools = (server: ServerConfig) => {
    const under = listing.get(server.id);
    let pending = under?.server === server ? under.done : undefined;
    if (!pending) {
      pending = deps
        .probe(server, deps.probeTimeoutMs)
        .then((result) => {
          if (!result.ok) {
            throw new ApiError(
              'unavailable',
              `Cannot list the tools of "${server.id}": ${result.error}`,
            );
          }
          const list = {
            server,
            tools: result.tools.slice(0, MAX_TOOLS),
            fetchedAt: deps.clock.now(),
          };
          // A server changed or removed while it was listed keeps no stale list.
          if (registry.get(server.id) === server) toolLists.set(server.id, list);
          return list;
        })
        .finally(() => {
          if (listing.get(server.id)?.done === pending) listing.delete(server.id);
        });
      listing.set(server.id, { server, done: pending });
    }
    return pending;
  };

  const forget = (id: string) => {
    toolLists.delete(id);
    listing.delete(id);
  };

  return {
    'servers.get': ({ id }) => {
      const server = registry.get(id) ?? registry.unavailable?.(id)?.entry;
      if (!server) throw notFound(id);
      return { server: serverDraft(server) };
    },

    'servers.tools': async ({ server: id, refresh }) => {
      const server = saved(id);
      const kept = toolLists.get(id);
      const cached = refresh || kept?.server !== server ? undefined : kept;
      const { tools, fetchedAt } = cached ?? (await fetchTools(server));
      const policy = deps.policies.get(id).policy;
      const offered = new Set(tools.map((t) => t.name));
      const servers = deps.serverIds?.() ?? [];
      const configured = new Set(servers);
      const context = {
        // Pins of servers configured now (a removed server's stay pinned but are no one's tools),
        // and this list's tools, known even without pins or with a pin store that failed.
        tools: [
          ...(deps.pins?.tools() ?? []).filter(
            (known) => known.server !== id && configured.has(known.server),
          ),
          ...tools.map((tool) => ({ server: id, tool: tool.name })),
        ],
        servers,
        ruleNames: policy ? ruleNames(policy) : [],
      };
      return {
        server: id,
        tools: tools.map((tool): ToolInfo => {
          const info = describeTool(tool, toolRisk(policy, tool.name));
          const seen = readToolDefinition(tool);
          if (seen === undefined) return info;
          const review = deps.pins?.review(id, seen);
          const pin = deps.pins?.get(id, tool.name);
          return {
            ...info,
            ...(review?.kind === 'pinned' && pin
              ? { pin: { state: 'pinned', hash: pin.accepted.hash, acceptedAt: pin.accepted.at } }
              : review?.kind === 'changed'
                ? { pin: { state: 'changed', change: review.change } }
                : {}),
            flags: flagTool(id, seen.definition, context),
          };
        }),
        fetchedAt,
        unknownInPolicy: policy
          ? [...policy.tools.keys()].filter((t) => !offered.has(t)).sort()
          : [],
      };
    },

    'servers.test': async ({ config, id, keep }) => {
      const base = id === undefined ? undefined : editBase(id);
      if (keep !== undefined && base === undefined) {
        throw new ApiError(
          'not_found',
          `Saved values can only be kept for a configured server; "${id ?? ''}" is not one.`,
        );
      }
      const server = entry(id ?? 'new-server', config, keep, base);
      const result = await deps.probe(server, deps.probeTimeoutMs);
      return result.ok
        ? {
            ok: true,
            serverName: result.serverInfo.name,
            serverVersion: result.serverInfo.version,
            tools: result.tools.length,
            elapsedMs: result.elapsedMs,
          }
        : { ok: false, error: result.error, elapsedMs: result.elapsedMs };
    },

    'servers.add': ({ id, config }) => {
      if (editBase(id)) {
        throw new ApiError('conflict', `A server with id "${id}" already exists; pick another id.`);
      }
      const server = entry(id, config);
      forget(id);
      return { server: registry.add(server) };
    },

    'servers.update': ({ id, config, keep }) => {
      const base = editBase(id);
      if (!base) throw notFound(id);
      const server = entry(id, config, keep, base);
      forget(id);
      return { server: registry.update(server) };
    },

    'servers.remove': ({ id }) => {
      if (!editBase(id)) throw notFound(id);
      registry.remove(id);
      forget(id);
      return { removed: id, policyFile: deps.policyPath(id) };
    },
  };
}

function valueOr<T>(parsed: Parsed<T>, what: string): T {
  if (parsed.ok) return parsed.value;
  const problems: JsonProblem[] = parsed.errors;
  throw new ApiError(
    'invalid_input',
    `${what} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ` +
      problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; '),
    problems,
  );
}

/** Every tool name the policy has a rule for, at the top or for a grant. */
function ruleNames(policy: NonNullable<ReturnType<PolicyRegistry['get']>['policy']>): string[] {
  const names = new Set(policy.tools.keys());
  for (const grant of policy.grants.values())
    for (const tool of grant.tools.keys()) names.add(tool);
  return [...names];
}

/** The tool as the UI shows it: name, words, and its arguments from the input schema. */
function describeTool(tool: UpstreamTool, risk: ToolInfo['risk']): ToolInfo {
  return {
    name: tool.name,
    ...(typeof tool.title === 'string' ? { title: tool.title } : {}),
    ...(typeof tool.description === 'string'
      ? { description: tool.description.slice(0, MAX_DESCRIPTION) }
      : {}),
    params: toolParams(tool.inputSchema),
    risk,
  };
}

function toolParams(schema: unknown): ToolParam[] {
  const object = asObject(schema);
  if (!object) return [];
  const required = new Set(
    Array.isArray(object['required'])
      ? object['required'].filter((r): r is string => typeof r === 'string')
      : [],
  );
  return entries(object['properties'])
    .slice(0, MAX_PARAMS)
    .map(([name, property]) => {
      const prop = asObject(property) ?? {};
      const type = schemaType(prop);
      const description = prop['description'];
      return {
        name,
        ...(type === undefined ? {} : { type }),
        required: required.has(name),
        ...(typeof description === 'string' ? { description: description.slice(0, 500) } : {}),
      };
    });
}

function schemaType(prop: Record<string, unknown>): string | undefined {
  const type = prop['type'];
  if (typeof type === 'string') {
    const items = asObject(prop['items']);
    return type === 'array' && typeof items?.['type'] === 'string' ? `${items['type']}[]` : type;
  }
  if (Array.isArray(type)) return type.filter((t) => typeof t === 'string').join(' | ');
  if (Array.isArray(prop['enum'])) return 'enum';
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = prop[key];
    if (Array.isArray(options)) {
      const types = options
        .map((o) => asObject(o)?.['type'])
        .filter((t): t is string => typeof t === 'string');
      if (types.length > 0) return types.join(' | ');
    }
  }
  return undefined;
}

/** The upstream side the app's composition root passes: the running servers and the probe. */
export type ServerUpstreams = Pick<ServerHandlersDeps, 'registry' | 'probe' | 'probeTimeoutMs'>;

/**
 * The server commands for createAppHandlers. Without `upstreams` (tests of other commands) each
 * says it is unavailable rather than pretending.
 */
export function serverCommands(deps: {
  upstreams?: ServerUpstreams;
  policies: PolicyRegistry;
  policyFiles: { path(server: string): string };
  clock: Clock;
  pins?: ToolPins;
  servers?(): { id: string }[];
}): Pick<CommandHandlers, ServerCommand> {
  if (deps.upstreams === undefined) {
    const unavailable = () => {
      throw new ApiError('unavailable', 'Servers cannot be managed here.');
    };
    return {
      'servers.get': unavailable,
      'servers.tools': unavailable,
      'servers.test': unavailable,
      'servers.add': unavailable,
      'servers.update': unavailable,
      'servers.remove': unavailable,
    };
  }
  return createServerHandlers({
    ...deps.upstreams,
    policies: deps.policies,
    policyPath: (server) => deps.policyFiles.path(server),
    clock: deps.clock,
    ...(deps.pins ? { pins: deps.pins } : {}),
    serverIds: () => deps.servers?.().map((server) => server.id) ?? [],
  });
}
