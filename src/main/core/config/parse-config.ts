// Reads config.json: upstream servers in the mcpServers shape Claude Desktop and Cursor use,
// grant names and settings. Problems come back with pointer, line and column, like policies.
import type { ValidateFunction } from 'ajv';
import { parseDuration } from '../durations';
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
import {
  DEFAULT_SETTINGS,
  settingSpecs,
  type SettingKey,
  type SettingSpec,
} from '../../../shared/model/settings';
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
export const TRANSPORTS: Record<string, ServerConfig['transport']> = {
  stdio: 'stdio',
  http: 'http',
  'streamable-http': 'http',
  streamableHttp: 'http',
  sse: 'sse',
};

/** Longest secret-store reference; keys Airlock writes are "<server id>/<env|headers>/<name>". */
const MAX_SECRET_REF_LENGTH = 1000;

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
/** The user's additions to redaction (settings.redaction). */
const REDACTION_SCHEMA = {
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
      description: 'Field names whose values are redacted, in addition to the built-in ones.',
    },
  },
};

const transport = {
  enum: Object.keys(TRANSPORTS),
  description: 'Inferred when absent: "command" means stdio, "url" means Streamable HTTP.',
};

const CONFIG_JSON_SCHEMA: Readonly<Record<string, unknown>> = {
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
        ...settingsFileSchema(),
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
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  // The schema has checked each value's type and range; a value of the wrong type keeps the default.
  for (const [key, spec] of settingSpecs()) {
    const given = value[fileKey(key, spec)];
    switch (spec.kind) {
      case 'integer':
        if (typeof given === 'number') settings[key] = given;
        break;
      case 'duration':
        if (typeof given === 'string' || typeof given === 'number') {
          const parsed = parseDuration(given, { maxMs: spec.max });
          if (parsed.ok) settings[key] = parsed.ms;
          else problems.push({ path: `/settings/${spec.fileKey}`, message: parsed.message });
        }
        break;
      case 'boolean':
        if (typeof given === 'boolean') settings[key] = given;
        break;
      case 'choice':
        if (spec.choices.some((choice) => choice.value === given)) settings[key] = given;
        break;
      case 'redaction':
        settings[key] = readRedaction(asObject(given) ?? {}, problems);
        break;
    }
  }
  return settings as Settings;
}

function readRedaction(
  redaction: Record<string, unknown>,
  problems: RawProblem[],
): Settings['redaction'] {
  const patterns = stringArray(redaction['patterns']);
  patterns.forEach((pattern, index) => {
    const problem = redactionPatternProblem(pattern);
    if (problem !== undefined) {
      problems.push({ path: `/settings/redaction/patterns/${index}`, message: problem });
    }
  });
  return { patterns, fields: stringArray(redaction['fields']) };
}

/** Where config.json keeps a setting: durations under their own name ("approvalTimeout"). */
function fileKey(key: SettingKey, spec: SettingSpec): string {
  return spec.kind === 'duration' ? spec.fileKey : key;
}

/** config.json's "settings" properties, one per setting in the table. */
function settingsFileSchema(): Record<string, unknown> {
  return Object.fromEntries(
    settingSpecs().map(([key, spec]) => [fileKey(key, spec), settingFileSchema(spec)]),
  );
}

function settingFileSchema(spec: SettingSpec): Record<string, unknown> {
  switch (spec.kind) {
    case 'integer':
      return {
        type: 'integer',
        minimum: spec.min,
        ...(spec.max === undefined ? {} : { maximum: spec.max }),
        description: spec.help,
      };
    case 'duration':
      return {
        type: ['string', 'number'],
        description: `${spec.help} A number of seconds or a duration such as "90s" or "2m".`,
      };
    case 'boolean':
      return { type: 'boolean', description: spec.help };
    case 'choice':
      return { enum: spec.choices.map((choice) => choice.value), description: spec.help };
    case 'redaction':
      return REDACTION_SCHEMA;
  }
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
