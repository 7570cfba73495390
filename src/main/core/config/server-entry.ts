// One mcpServers entry on its own, as the app edits it: checked by the same parser as config.json
// (so its problems read and point the same way), written back in the Claude Desktop shape, and
// shown to the UI without the values of its environment variables and headers.
import type { JsonProblem, Parsed } from '../ports';
import { createRedactor, type Redactor } from '../redaction/redactor';
import { targetMasker } from './masked-target';
import { parseConfig } from './parse-config';
import { secretSlots } from './secret-refs';
import type { ServerConfig } from './types';
import type { ServerDraft } from '../../../shared/model/servers';

/** Env and header keys whose values the edit keeps from the saved entry (the form shows them masked). */
export interface KeptSecrets {
  env?: string[];
  headers?: string[];
}

/**
 * Parses `entry` as `mcpServers[id]` of config.json. Problems carry config.json's paths
 * ("/mcpServers/<id>/url"); line and column are left out, since there is no file to point into.
 * Values must be the values themselves: a `{"secret": ...}` reference from the app could point a
 * server (and a connection test to any URL) at another server's stored secret.
 */
export function parseServerEntry(id: string, entry: unknown): Parsed<ServerConfig> {
  const parsed = parseConfig(JSON.stringify({ mcpServers: { [id]: entry } }));
  if (!parsed.ok) {
    return {
      ok: false,
      errors: parsed.errors.map(({ path, message }): JsonProblem => ({ path, message })),
    };
  }
  const server = parsed.value.servers[0];
  if (!server) {
    return { ok: false, errors: [{ path: `/mcpServers/${id}`, message: 'must be an object' }] };
  }
  const references = secretSlots(server).filter(({ value }) => typeof value !== 'string');
  if (references.length > 0) {
    return {
      ok: false,
      errors: references.map(({ field, name }) => ({
        path: `/mcpServers/${id}/${field}/${name}`,
        message:
          'must be the value itself; a {"secret": ...} reference is only read from config.json',
      })),
    };
  }
  return { ok: true, value: server as ServerConfig };
}

/**
 * Puts the saved values back for the kept keys. A kept key with no saved value (the server was
 * changed meanwhile, or its transport changed) is a problem: the person must type the value.
 */
export function withKeptSecrets(
  server: ServerConfig,
  saved: ServerConfig | undefined,
  keep: KeptSecrets = {},
): Parsed<ServerConfig> {
  const errors: JsonProblem[] = [];
  const restore = (
    field: 'env' | 'headers',
    into: Record<string, string>,
    from: Record<string, string> | undefined,
  ): Record<string, string> => {
    const result = { ...into };
    for (const key of keep[field] ?? []) {
      const value = from !== undefined && Object.hasOwn(from, key) ? from[key] : undefined;
      if (value === undefined) {
        errors.push({
          path: `/mcpServers/${server.id}/${field}/${key}`,
          message: `no saved value to keep for "${key}"; enter its value`,
        });
      } else result[key] = value;
    }
    return result;
  };
  let value: ServerConfig;
  if (server.transport === 'stdio') {
    if ((keep.headers ?? []).length > 0) {
      errors.push({
        path: `/mcpServers/${server.id}/headers`,
        message: '"headers" applies only to HTTP servers',
      });
    }
    const from = saved?.transport === 'stdio' ? saved.env : undefined;
    value = { ...server, env: restore('env', server.env, from) };
  } else {
    if ((keep.env ?? []).length > 0) {
      errors.push({
        path: `/mcpServers/${server.id}/env`,
        message: '"env" applies only to stdio servers',
      });
    }
    const from = saved !== undefined && saved.transport !== 'stdio' ? saved.headers : undefined;
    value = { ...server, headers: restore('headers', server.headers, from) };
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}

/** The entry as config.json holds it, in the Claude Desktop shape; empty lists and maps left out. */
export function configEntry<V>(server: ServerConfig<V>): Record<string, unknown> {
  if (server.transport === 'stdio') {
    return {
      command: server.command,
      ...(server.args.length > 0 ? { args: server.args } : {}),
      ...(Object.keys(server.env).length > 0 ? { env: server.env } : {}),
      ...(server.cwd !== undefined ? { cwd: server.cwd } : {}),
    };
  }
  return {
    // A URL alone means Streamable HTTP; legacy SSE must say so.
    ...(server.transport === 'sse' ? { transport: 'sse' } : {}),
    url: server.url,
    ...(Object.keys(server.headers).length > 0 ? { headers: server.headers } : {}),
  };
}

export function serverDraft<V>(server: ServerConfig<V>): ServerDraft {
  if (server.transport === 'stdio') {
    return {
      id: server.id,
      transport: 'stdio',
      command: server.command,
      args: [...server.args],
      ...(server.cwd !== undefined ? { cwd: server.cwd } : {}),
      envKeys: Object.keys(server.env),
      headerKeys: [],
    };
  }
  return {
    id: server.id,
    transport: server.transport,
    url: server.url,
    envKeys: [],
    headerKeys: Object.keys(server.headers),
  };
}

const builtInRules = createRedactor();

/**
 * What the UI and the log show as the server's target: the command line or the URL with its
 * credentials masked (`--token ***`, `user:***@`, `?api_key=***`), never env or header values.
 * `redactor` should be the one built from settings.redaction, so the user's own rules apply too.
 */
export function serverTarget<V>(
  server: ServerConfig<V>,
  redactor: Redactor = builtInRules,
): string {
  const mask = targetMasker(redactor);
  if (server.transport !== 'stdio') return mask.url(server.url);
  return mask.args([server.command, ...server.args]).join(' ');
}

/**
 * `text` (a probe's error) redacted, with the server's raw URL in it shown masked: the URL's own
 * secrets (`?key=...`), which the redactor may not know, go too.
 */
export function maskServerText(text: string, server: ServerConfig, redactor: Redactor): string {
  if (server.transport === 'stdio') return redactor.text(text);
  // The URL is set aside while the rest is redacted: the redactor would redact its "***" again.
  const parts = text.split(server.url).map((part) => redactor.text(part));
  return parts.join(serverTarget(server, redactor));
}
