// Reads config.json: upstream servers in the mcpServers shape Claude Desktop and Cursor use,
// grant names and settings. Problems come back with pointer, line and column, like policies.
import type { ValidateFunction } from 'ajv';
import { DAY_MS, parseDuration } from '../durations';
import {
  ajvProblems,
  compileDocumentSchema,
  locateProblems,
  parseJsonDocument,
  pointer,
} from '../json-problems';
import type { RawProblem } from '../json-problems';
import type { Parsed } from '../ports';
import { NAME_PATTERN, NAME_RULE } from '../../../shared/model/names';
import { DEFAULT_SETTINGS } from './types';
import type {
  AirlockConfig,
  GrantEntry,
  ServerConfig,
  ServerEntry,
  Settings,
  StoredValue,
} from './types';
import { asObject, entries } from '../json-values';
import { redactionPatternProblem } from '../redaction/redactor';

/** Names clients use for transports; "streamable-http" and friends all mean Streamable HTTP. */
const TRANSPORTS: Record<string, ServerConfig['transport']> = {
  stdio: 'stdio',
  http: 'http',
  'streamable-http': 'http',
  streamableHttp: 'http',
  sse: 'sse',
};

/** Longest `upstreamTimeout` and `approvalTimeout`; timers cannot even hold much more than 24 days. */
export const MAX_UPSTREAM_TIMEOUT_MS = DAY_MS;

/** Longest secret-store reference; keys Airlock writes are "<server id>/<env|headers>/<name>". */
export const MAX_SECRET_REF_LENGTH = 1000;

/** Env and header values: the value itself, or `{"secret": "<key>"}`, where the secret store keeps it. */
const storedValueMap = {
  type: 'object',
  additionalProperties: {
    anyOf: [
      { type: 'string' },
      {
        type: 'object',
        additionalProperties: false,
        required: ['secret'],
        properties: {
          secret: {
            type: 'string',
            minLength: 1,
            maxLength: MAX_SECRET_REF_LENGTH,
            description:
              'Where the secret store (OS keychain or upstream-secrets.json) keeps the value.',
          },
        },
      },
    ],
  },
};
const transport = {
  enum: Object.keys(TRANSPORTS),
  description: 'Inferred when absent: "command" means stdio, "url" means Streamable HTTP.',
};

export const CONFIG_JSON_SCHEMA: Readonly<Record<string, unknown>> = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Airlock configuration',
  type: 'object',
  additionalProperties: false,
  properties: {
    mcpServers: {
      type: 'object',
      description: 'Upstream MCP servers by id; the id names the policy file policies/<id>.json.',
      propertyNames: {
        pattern: NAME_PATTERN,
        patternErrorMessage: `invalid server id: ${NAME_RULE}`,
      },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          command: { type: 'string', minLength: 1, description: 'Program to start (stdio).' },
          args: { type: 'array', items: { type: 'string' } },
          env: storedValueMap,
          cwd: { type: 'string', minLength: 1 },
          url: { type: 'string', minLength: 1, description: 'http:// or https:// endpoint.' },
          headers: storedValueMap,
          transport,
          type: transport,
        },
      },
    },
    grants: {
      type: 'object',
      description: 'Client identities by name.',
      propertyNames: {
        pattern: NAME_PATTERN,
        patternErrorMessage: `invalid grant name: ${NAME_RULE}`,
      },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['created'],
        properties: { created: { type: 'string', format: 'date-time' } },
      },
    },
    settings: {
      type: 'object',
      additionalProperties: false,
      properties: {
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        maxBodyBytes: { type: 'integer', minimum: 1024 },
        maxMessageBytes: { type: 'integer', minimum: 65536 },
        upstreamTimeout: {
          type: ['string', 'number'],
          description: 'A number of seconds or a duration such as "90s" or "2m".',
        },
        approvalTimeout: {
          type: ['string', 'number'],
          description:
            'How long a held call waits for a person: seconds or a duration such as "2m".',
        },
        maxPendingApprovals: { type: 'integer', minimum: 1, maximum: 10000 },
        maxPendingApprovalsPerGrant: { type: 'integer', minimum: 1, maximum: 10000 },
        retentionDays: { type: 'integer', minimum: 1, maximum: 3650 },
        notifications: { type: 'boolean' },
        notificationSound: { type: 'boolean' },
        changedToolDefinitions: {
          enum: ['hold', 'refuse'],
          description:
            'A call to a tool whose definition changed since it was accepted: held for a person, or refused.',
        },
        redaction: {
          type: 'object',
          additionalProperties: false,
          properties: {
            patterns: {
              type: 'array',
              items: { type: 'string', minLength: 1 },
              description: 'Regular expressions (JavaScript syntax) whose matches are redacted.',
            },
            fields: {
              type: 'array',
              items: { type: 'string', minLength: 1 },
              description:
                'Field names whose values are redacted, in addition to the built-in ones.',
            },
          },
        },
      },
    },
  },
};

let validateConfigShape: ValidateFunction | undefined;

/** Empty text is an empty config, so a fresh install needs no file. */
export function parseConfig(text: string): Parsed<AirlockConfig> {
  if (text.replace(/^\uFEFF/, '').trim() === '') {
    return { ok: true, value: { servers: [], grants: [], settings: { ...DEFAULT_SETTINGS } } };
  }
  const parsed = parseJsonDocument(text);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const { doc } = parsed;
  validateConfigShape ??= compileDocumentSchema(CONFIG_JSON_SCHEMA);
  const problems: RawProblem[] = [...doc.duplicateKeys];
  if (!validateConfigShape(doc.value)) problems.push(...ajvProblems(validateConfigShape.errors));
  const root = asObject(doc.value) ?? {};
  const servers: ServerEntry[] = [];
  for (const [id, entry] of entries(root['mcpServers'])) {
    const server = readServer(id, asObject(entry), problems);
    if (server !== undefined) servers.push(server);
  }
  const grants: GrantEntry[] = entries(root['grants']).map(([name, grant]) => ({
    name,
    created: String(asObject(grant)?.['created']),
  }));
  const settings = readSettings(asObject(root['settings']) ?? {}, problems);
  if (problems.length > 0) return { ok: false, errors: locateProblems(doc, problems) };
  return { ok: true, value: { servers, grants, settings } };
}

function readServer(
  id: string,
  entry: Record<string, unknown> | undefined,
  problems: RawProblem[],
): ServerEntry | undefined {
  if (entry === undefined) return undefined;
  const path = pointer('mcpServers', id);
  const { command, url } = entry;
  const declared = declaredTransport(entry, path, problems);
  if (command !== undefined && url !== undefined) {
    problems.push({ path, message: 'give either "command" (stdio) or "url" (HTTP), not both' });
    return undefined;
  }
  if (command === undefined && url === undefined) {
    problems.push({
      path,
      message: 'missing "command" (for a stdio server) or "url" (for an HTTP server)',
    });
    return undefined;
  }
  const transport = declared ?? (command !== undefined ? 'stdio' : 'http');
  const misplaced = (keys: readonly string[], kind: string): boolean => {
    let found = false;
    for (const key of keys) {
      if (entry[key] === undefined) continue;
      problems.push({
        path: `${path}/${key}`,
        message: `"${key}" applies only to ${kind} servers`,
      });
      found = true;
    }
    return found;
  };
  if (transport === 'stdio') {
    if (url !== undefined) {
      problems.push({
        path: `${path}/url`,
        message: 'a stdio server is started with "command", not "url"',
      });
      return undefined;
    }
    if (misplaced(['headers'], 'HTTP') || typeof command !== 'string') return undefined;
    return {
      id,
      transport,
      command,
      args: stringArray(entry['args']),
      env: storedRecord(entry['env']),
      ...(typeof entry['cwd'] === 'string' ? { cwd: entry['cwd'] } : {}),
    };
  }
  if (command !== undefined) {
    problems.push({
      path: `${path}/command`,
      message: `a ${transport === 'sse' ? 'SSE' : 'Streamable HTTP'} server is reached by "url", not "command"`,
    });
    return undefined;
  }
  if (misplaced(['args', 'env', 'cwd'], 'stdio') || typeof url !== 'string') return undefined;
  if (!isHttpUrl(url)) {
    problems.push({
      path: `${path}/url`,
      message: `must be an http:// or https:// URL (got ${JSON.stringify(url)})`,
    });
    return undefined;
  }
  return { id, transport, url, headers: storedRecord(entry['headers']) };
}

/** The transport named by "transport" or "type" (Claude Code writes "type"); both must agree. */
function declaredTransport(
  entry: Record<string, unknown>,
  path: string,
  problems: RawProblem[],
): ServerConfig['transport'] | undefined {
  const named = (key: string): ServerConfig['transport'] | undefined => {
    const value = entry[key];
    return typeof value === 'string' && Object.hasOwn(TRANSPORTS, value)
      ? TRANSPORTS[value]
      : undefined;
  };
  const transport = named('transport');
  const type = named('type');
  if (transport !== undefined && type !== undefined && transport !== type) {
    problems.push({
      path: `${path}/type`,
      message: `"type" (${JSON.stringify(entry['type'])}) contradicts "transport" (${JSON.stringify(entry['transport'])})`,
    });
  }
  return transport ?? type;
}

function readSettings(value: Record<string, unknown>, problems: RawProblem[]): Settings {
  const settings: Settings = { ...DEFAULT_SETTINGS };
  if (typeof value['port'] === 'number') settings.port = value['port'];
  if (typeof value['maxBodyBytes'] === 'number') settings.maxBodyBytes = value['maxBodyBytes'];
  if (typeof value['maxMessageBytes'] === 'number')
    settings.maxMessageBytes = value['maxMessageBytes'];
  for (const [key, target] of [
    ['upstreamTimeout', 'upstreamTimeoutMs'],
    ['approvalTimeout', 'approvalTimeoutMs'],
  ] as const) {
    const timeout = value[key];
    if (typeof timeout === 'string' || typeof timeout === 'number') {
      const parsed = parseDuration(timeout, { maxMs: MAX_UPSTREAM_TIMEOUT_MS });
      if (parsed.ok) settings[target] = parsed.ms;
      else problems.push({ path: `/settings/${key}`, message: parsed.message });
    }
  }
  for (const key of [
    'maxPendingApprovals',
    'maxPendingApprovalsPerGrant',
    'retentionDays',
  ] as const) {
    if (typeof value[key] === 'number') settings[key] = value[key];
  }
  if (typeof value['notifications'] === 'boolean') settings.notifications = value['notifications'];
  if (typeof value['notificationSound'] === 'boolean') {
    settings.notificationSound = value['notificationSound'];
  }
  const changed = value['changedToolDefinitions'];
  if (changed === 'hold' || changed === 'refuse') settings.changedToolDefinitions = changed;
  const redaction = asObject(value['redaction']) ?? {};
  const patterns = stringArray(redaction['patterns']);
  patterns.forEach((pattern, index) => {
    const problem = redactionPatternProblem(pattern);
    if (problem !== undefined) {
      problems.push({ path: `/settings/redaction/patterns/${index}`, message: problem });
    }
  });
  settings.redaction = { patterns, fields: stringArray(redaction['fields']) };
  return settings;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

// Object.fromEntries keeps a "__proto__" key as data instead of setting the prototype.
function storedRecord(value: unknown): Record<string, StoredValue> {
  return Object.fromEntries(
    entries(value).flatMap(([name, item]): [string, StoredValue][] => {
      if (typeof item === 'string') return [[name, item]];
      const secret = asObject(item)?.['secret'];
      return typeof secret === 'string' ? [[name, { secret }]] : [];
    }),
  );
}
