// One MCP client's config file as text: where in it the client lists its servers, each entry read
// as an upstream Airlock can serve (or why it cannot), and the file with some entries replaced,
// every other byte as it was. Pure: the adapter reads and writes the bytes.
import {
  applyEdits,
  findNodeAtLocation,
  getNodeValue,
  modify,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError,
} from 'jsonc-parser';
import { detectFormatting, lineColumn } from '../config/jsonc-edit';
import type { ClientId } from '../../../shared/mcp-clients';
import { CLIENTS } from '../../../shared/mcp-clients';
import { targetMasker } from '../config/masked-target';
import { TRANSPORTS } from '../config/parse-config';
import { parseServerEntry } from '../config/server-entry';
import type { ServerConfig } from '../config/types';
import { asObject } from '../json-values';
import { createRedactor } from '../redaction/redactor';

/** How a file lays out its servers. */
export type FileLayout =
  /** `{"mcpServers": {...}}`: Claude Desktop, Cursor, Windsurf, a Claude Code project's .mcp.json. */
  | 'mcpServers'
  /** ~/.claude.json: `mcpServers` (user scope) and `projects.<dir>.mcpServers` (local scope). */
  | 'claude-code-user'
  /** VS Code's mcp.json: `{"servers": {...}}`. */
  | 'vscode-mcp'
  /** VS Code's settings.json: `{"mcp": {"servers": {...}}}`. */
  | 'vscode-settings';

export interface ClientFileSpec {
  client: ClientId;
  path: string;
  /** What the file is to the person: "user scope", "project /home/me/app". */
  label: string;
  layout: FileLayout;
  /** The folder the client starts this file's stdio servers in (a Claude Code project). */
  cwd?: string;
}

/** A server entry found in a client's file. */
export interface FoundEntry {
  /** The JSON path of the entry: ['mcpServers', 'github']. */
  path: string[];
  /** Its name in the client. */
  name: string;
  /** Where it applies, when not the whole file: "local scope of /home/me/app". */
  scope?: string;
  value: unknown;
  /** The folder its client starts it in, when the file says. */
  cwd?: string;
}

export type ParsedClientFile = { ok: true; entries: FoundEntry[] } | { ok: false; problem: string };

/** At most this many servers are read from one file, and projects from ~/.claude.json. */
const MAX_ENTRIES = 500;

/**
 * The server entries of a client's file. A file Airlock cannot read exactly (a syntax error, two
 * servers of one name, a server list that is not an object) is a problem: it is left untouched.
 * Comments and trailing commas are accepted (VS Code's files allow them), and kept when editing.
 */
export function readClientFile(spec: ClientFileSpec, text: string): ParsedClientFile {
  const parsed = parseText(text);
  if (!parsed.ok) return parsed;
  const { root } = parsed;
  if (root === undefined) return { ok: true, entries: [] };
  if (root.type !== 'object') return { ok: false, problem: 'it does not hold a JSON object' };
  const maps: { path: string[]; scope?: string; cwd?: string }[] = [];
  switch (spec.layout) {
    case 'mcpServers':
      maps.push({ path: ['mcpServers'], ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }) });
      break;
    case 'vscode-mcp':
      maps.push({ path: ['servers'] });
      break;
    case 'vscode-settings':
      maps.push({ path: ['mcp', 'servers'] });
      break;
    case 'claude-code-user':
      maps.push({ path: ['mcpServers'] });
      for (const { dir } of projectNodes(root)) {
        maps.push({
          path: ['projects', dir, 'mcpServers'],
          scope: `local scope of ${dir}`,
          cwd: dir,
        });
      }
      break;
  }
  const entries: FoundEntry[] = [];
  for (const map of maps) {
    const node = findNodeAtLocation(root, map.path);
    if (node === undefined) continue;
    if (node.type !== 'object') {
      return { ok: false, problem: `${map.path.join('.')} is not an object` };
    }
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const [key, value] = property.children ?? [];
      if (key === undefined || value === undefined || typeof key.value !== 'string') continue;
      const name = key.value;
      if (seen.has(name)) {
        return {
          ok: false,
          problem: `it lists a server named ${JSON.stringify(name)} twice under ${map.path.join('.')}`,
        };
      }
      seen.add(name);
      if (entries.length >= MAX_ENTRIES) {
        return { ok: false, problem: `it lists more than ${MAX_ENTRIES} servers` };
      }
      entries.push({
        path: [...map.path, name],
        name,
        ...(map.scope === undefined ? {} : { scope: map.scope }),
        value: getNodeValue(value),
        ...(map.cwd === undefined ? {} : { cwd: map.cwd }),
      });
    }
  }
  return { ok: true, entries };
}

/**
 * A project folder ~/.claude.json knows (Claude Code records each folder it runs in), with what the
 * person decided there about the servers of its .mcp.json: Claude Code asks before it starts one,
 * since the file comes with the project's code.
 */
export interface ClaudeCodeProject {
  dir: string;
  /** enableAllProjectMcpServers: every server of the project's .mcp.json was approved. */
  allApproved: boolean;
  approved: string[];
  disabled: string[];
}

export function claudeCodeProjects(text: string): ClaudeCodeProject[] {
  const parsed = parseText(text);
  if (!parsed.ok || parsed.root?.type !== 'object') return [];
  return projectNodes(parsed.root).map(({ dir, settings }) => {
    // Only these three fields are read: a project's entry also holds its history, which can be long.
    const field = (name: string): unknown => {
      const node = settings && findNodeAtLocation(settings, [name]);
      return node === undefined ? undefined : getNodeValue(node);
    };
    return {
      dir,
      allApproved: field('enableAllProjectMcpServers') === true,
      approved: names(field('enabledMcpjsonServers')),
      disabled: names(field('disabledMcpjsonServers')),
    };
  });
}

function projectNodes(root: Node): { dir: string; settings?: Node }[] {
  const projects = findNodeAtLocation(root, ['projects']);
  if (projects?.type !== 'object') return [];
  const found: { dir: string; settings?: Node }[] = [];
  for (const property of projects.children ?? []) {
    const dir = property.children?.[0]?.value;
    if (typeof dir !== 'string' || dir === '' || found.length >= MAX_ENTRIES) continue;
    const settings = property.children?.[1];
    found.push(settings === undefined ? { dir } : { dir, settings });
  }
  return found;
}

/** Why a server of a Claude Code project's .mcp.json must not be started, or undefined if it may. */
export function unapprovedProjectServer(
  project: ClaudeCodeProject,
  name: string,
): string | undefined {
  if (project.disabled.includes(name)) return 'Claude Code has it disabled for this project';
  if (project.allApproved || project.approved.includes(name)) return undefined;
  return 'Claude Code has not approved it for this project (it comes with the project’s files): approve it in Claude Code first';
}

function names(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((name): name is string => typeof name === 'string')
    : [];
}

function parseText(
  text: string,
): { ok: true; root: Node | undefined } | { ok: false; problem: string } {
  const body = stripBom(text);
  // An empty file (a client creates one before its first server) lists nothing.
  if (body.trim() === '') return { ok: true, root: undefined };
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    const { line, column } = lineColumn(body, first.offset);
    return {
      ok: false,
      problem: `it has a syntax error at line ${line}, column ${column} (${printParseErrorCode(first.error)})`,
    };
  }
  return { ok: true, root };
}

/** The file's text with each entry at `path` replaced by `value`, every other byte as it was. */
export function replaceEntries(
  text: string,
  replacements: readonly { path: string[]; value: unknown }[],
): string {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  let body = stripBom(text);
  const formattingOptions = detectFormatting(body);
  // One at a time: each edit's offsets are computed on the text the previous one left.
  for (const { path, value } of replacements) {
    body = applyEdits(body, modify(body, path, value, { formattingOptions }));
  }
  return bom + body;
}

/** The value at `path` in the file's text (undefined when absent or the text does not parse). */
export function valueAt(text: string, path: readonly string[]): unknown {
  const parsed = parseText(text);
  if (!parsed.ok || parsed.root === undefined) return undefined;
  const node = findNodeAtLocation(parsed.root, [...path]);
  return node === undefined ? undefined : getNodeValue(node);
}

/** Keys that say how to reach the server; the rest of an entry is the client's own business. */
const TRANSPORT_KEYS = new Set([
  'command',
  'args',
  'env',
  'cwd',
  'url',
  'serverUrl',
  'headers',
  'type',
  'transport',
]);

/**
 * Keys that change how the client reaches or runs the server in ways Airlock cannot carry over:
 * such a server stays as it is, rather than lose its sign-in or its sandbox silently.
 */
const BLOCKING_KEYS: Record<string, string> = {
  envFile: 'reads its environment from an envFile, which Airlock does not read',
  oauth: 'signs in with OAuth, which the client does itself and Airlock cannot pass on',
  auth: 'signs in through the client, which Airlock cannot pass on',
  sandboxEnabled: 'runs in a sandbox the client sets up, which Airlock would not',
  sandbox: 'runs in a sandbox the client sets up, which Airlock would not',
  dev: 'is a server under development (watch and debug), which only the client can run',
};

export type Importable =
  | {
      ok: true;
      /** The upstream as Airlock serves it, under `id`. */
      server: ServerConfig;
      /** The entry's other keys (`disabled`, `autoApprove`...), kept in the rewritten entry. */
      kept: Record<string, unknown>;
    }
  | { ok: false; reason: string };

/** The entry as an upstream Airlock can serve under `id`, or why it cannot be imported. */
export function importEntry(client: ClientId, found: FoundEntry, id: string): Importable {
  const entry = asObject(found.value);
  if (entry === undefined) return { ok: false, reason: 'its entry is not an object' };
  for (const [key, reason] of Object.entries(BLOCKING_KEYS)) {
    if (entry[key] !== undefined) return { ok: false, reason: `it ${reason}` };
  }
  const variable = findVariable(entry);
  if (variable !== undefined) {
    return {
      ok: false,
      reason: `it uses ${variable}, which ${CLIENTS[client].name} fills in when it starts the server and Airlock would pass on as text`,
    };
  }
  const declared = entry['type'] ?? entry['transport'];
  if (declared !== undefined && (typeof declared !== 'string' || !(declared in TRANSPORTS))) {
    return { ok: false, reason: `its type ${JSON.stringify(declared)} is not one Airlock knows` };
  }
  const type = declared === undefined ? undefined : TRANSPORTS[declared];
  const url = entry['serverUrl'] ?? entry['url'];
  let config: Record<string, unknown>;
  if (entry['command'] !== undefined) {
    if (type !== undefined && type !== 'stdio') {
      return { ok: false, reason: `it has a command but says its type is ${String(declared)}` };
    }
    const cwd = entry['cwd'] ?? found.cwd;
    config = {
      command: entry['command'],
      ...(entry['args'] === undefined ? {} : { args: entry['args'] }),
      ...(entry['env'] === undefined ? {} : { env: entry['env'] }),
      ...(cwd === undefined ? {} : { cwd }),
    };
  } else if (url !== undefined) {
    const transport = type ?? (typeof url === 'string' && looksLikeSse(url) ? 'sse' : 'http');
    if (transport === 'stdio')
      return { ok: false, reason: 'it has a URL but says its type is stdio' };
    config = {
      url,
      ...(entry['headers'] === undefined ? {} : { headers: entry['headers'] }),
      ...(transport === 'sse' ? { transport: 'sse' } : {}),
    };
  } else {
    return { ok: false, reason: 'it has neither a command nor a URL' };
  }
  const parsed = parseServerEntry(id, config);
  if (!parsed.ok) {
    const problems = parsed.errors.map((p) => {
      const field = p.path.split('/').slice(3).join('.');
      return field ? `${field} ${p.message}` : p.message;
    });
    return { ok: false, reason: `Airlock cannot read it: ${problems.join('; ')}` };
  }
  const kept = Object.fromEntries(
    Object.entries(entry).filter(([key]) => !TRANSPORT_KEYS.has(key)),
  );
  return { ok: true, server: parsed.value, kept };
}

/** An SSE endpoint conventionally ends in /sse; a bare URL means Streamable HTTP. */
function looksLikeSse(url: string): boolean {
  try {
    return /\/sse\/?$/.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/** The first `${...}` in the entry's strings, which the client expands and Airlock would not. */
function findVariable(entry: Record<string, unknown>): string | undefined {
  const strings: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === 'string') strings.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (asObject(value)) Object.values(value as object).forEach(collect);
  };
  for (const key of TRANSPORT_KEYS) collect(entry[key]);
  for (const text of strings) {
    const match = /\$\{[^}]{0,80}\}?/.exec(text);
    if (match) return match[0];
  }
  return undefined;
}

/**
 * Whether the entry already goes through an Airlock: a URL at 127.0.0.1:`port`/mcp/<id>, or the
 * stdio bridge (`... airlock.js connect <id>`). Importing it would make Airlock call itself.
 */
export function pointsAtAirlock(value: unknown, port: number | undefined): boolean {
  const entry = asObject(value);
  if (entry === undefined) return false;
  const url = entry['serverUrl'] ?? entry['url'];
  if (typeof url === 'string') {
    try {
      const parsed = new URL(url);
      const local = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
      const samePort = port === undefined || parsed.port === String(port);
      return local && samePort && /^\/mcp\/[^/]+\/?$/.test(parsed.pathname);
    } catch {
      return false;
    }
  }
  const command = entry['command'];
  const args = Array.isArray(entry['args']) ? entry['args'] : [];
  const words = [command, ...args].filter((w): w is string => typeof w === 'string');
  const isAirlock = (w: string) => /(^|[\\/])airlock(\.js|\.cmd)?$/i.test(w);
  return words.some(isAirlock) && words.includes('connect');
}

const masker = targetMasker(createRedactor());

/** How the UI names an entry: its transport and its command line or URL, credentials masked. */
export function describeEntry(value: unknown): {
  transport: ServerConfig['transport'];
  target: string;
} {
  const entry = asObject(value) ?? {};
  const url = entry['serverUrl'] ?? entry['url'];
  const declared = entry['type'] ?? entry['transport'];
  if (entry['command'] === undefined && typeof url === 'string') {
    const transport =
      (typeof declared === 'string' ? TRANSPORTS[declared] : undefined) ??
      (looksLikeSse(url) ? 'sse' : 'http');
    return { transport: transport === 'stdio' ? 'http' : transport, target: masker.url(url) };
  }
  const args = Array.isArray(entry['args']) ? entry['args'].map(String) : [];
  return {
    transport: 'stdio',
    target: masker.args([String(entry['command'] ?? '?'), ...args]).join(' '),
  };
}

/** The entry as the preview shows it: env and header values replaced by "***". */
export function maskedEntry(value: unknown): unknown {
  const entry = asObject(value);
  if (entry === undefined) return value;
  const masked: Record<string, unknown> = { ...entry };
  for (const key of ['env', 'headers']) {
    const values = asObject(entry[key]);
    if (values !== undefined) {
      masked[key] = Object.fromEntries(
        Object.keys(values).map((name) => [name, values[name] === '' ? '' : '***']),
      );
    }
  }
  for (const key of ['command', 'url', 'serverUrl'] as const) {
    const text = entry[key];
    if (typeof text !== 'string') continue;
    masked[key] = key === 'command' ? masker.args([text])[0] : masker.url(text);
  }
  if (Array.isArray(entry['args'])) {
    masked['args'] = masker.args(entry['args'].map(String));
  }
  return masked;
}

function stripBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}
