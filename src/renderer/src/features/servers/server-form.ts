// The add/edit form's values and how they become a config.json entry, and back. Arguments are one
// per line, taken as written (no quoting: a line with spaces is one argument). Saved env and header
// values never reach the renderer; such rows are "kept" and the core fills their values back in.
import type { ServerDraft } from '../../../../shared/contract';
import type { ServerRequest } from './servers-store';

export type Transport = ServerDraft['transport'];

export interface KeyValueRow {
  key: string;
  value: string;
  /** A saved value the form does not know; the core keeps it unless the row is replaced or removed. */
  kept: boolean;
}

export interface FormValues {
  id: string;
  transport: Transport;
  command: string;
  /** One argument per line. */
  args: string;
  cwd: string;
  url: string;
  env: KeyValueRow[];
  headers: KeyValueRow[];
}

export const TRANSPORT_LABELS: Record<Transport, string> = {
  stdio: 'stdio (a local command)',
  http: 'Streamable HTTP',
  sse: 'SSE (legacy)',
};

export function emptyForm(): FormValues {
  return {
    id: '',
    transport: 'stdio',
    command: '',
    args: '',
    cwd: '',
    url: '',
    env: [],
    headers: [],
  };
}

export function formFromDraft(draft: ServerDraft): FormValues {
  const kept = (keys: string[]) => keys.map((key) => ({ key, value: '', kept: true }));
  return {
    id: draft.id,
    transport: draft.transport,
    command: draft.command ?? '',
    args: (draft.args ?? []).join('\n'),
    cwd: draft.cwd ?? '',
    url: draft.url ?? '',
    env: kept(draft.envKeys),
    headers: kept(draft.headerKeys),
  };
}

/** The entry in the Claude Desktop shape; blank rows and blank optional fields are left out. */
export function requestFromForm(
  values: FormValues,
): ServerRequest & { keep: { env: string[]; headers: string[] } } {
  const rows = (list: KeyValueRow[]) => list.filter((row) => row.key.trim() !== '');
  const map = (list: KeyValueRow[]) =>
    Object.fromEntries(
      rows(list)
        .filter((row) => !row.kept)
        .map((row) => [row.key.trim(), row.value]),
    );
  const keptKeys = (list: KeyValueRow[]) =>
    rows(list)
      .filter((row) => row.kept)
      .map((row) => row.key.trim());
  if (values.transport === 'stdio') {
    const args = splitArgs(values.args);
    const env = map(values.env);
    return {
      config: {
        command: values.command.trim(),
        ...(args.length > 0 ? { args } : {}),
        ...(Object.keys(env).length > 0 ? { env } : {}),
        ...(values.cwd.trim() !== '' ? { cwd: values.cwd.trim() } : {}),
      },
      keep: { env: keptKeys(values.env), headers: [] },
    };
  }
  const headers = map(values.headers);
  return {
    config: {
      ...(values.transport === 'sse' ? { transport: 'sse' } : {}),
      url: values.url.trim(),
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
    },
    keep: { env: [], headers: keptKeys(values.headers) },
  };
}

/** One argument per line, as written; only a trailing carriage return and empty lines go. */
export function splitArgs(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '');
}

export type PasteResult =
  { ok: true; values: FormValues; note?: string } | { ok: false; error: string };

/**
 * Reads a pasted entry: `{"command": ...}`, `{"<id>": {...}}` or a whole
 * `{"mcpServers": {...}}` as Claude Desktop's config has it. The first server is taken.
 */
export function formFromPaste(text: string, current: FormValues): PasteResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Not JSON: ${(error as Error).message}` };
  }
  if (!isObject(value)) return { ok: false, error: 'Paste a JSON object.' };
  let id = current.id;
  let entry: Record<string, unknown> = value;
  let note: string | undefined;
  const servers = isObject(value['mcpServers']) ? value['mcpServers'] : undefined;
  const looksLikeEntry = 'command' in value || 'url' in value;
  if (servers !== undefined || !looksLikeEntry) {
    const named = Object.entries(servers ?? value).filter(([, v]) => isObject(v));
    const first = named[0];
    if (first === undefined) {
      return { ok: false, error: 'No server entry found: expected "command" or "url".' };
    }
    [id, entry] = [first[0], first[1] as Record<string, unknown>];
    if (named.length > 1) note = `Took "${id}", the first of ${named.length} servers.`;
  }
  const strings = (v: unknown) =>
    Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
  const rows = (v: unknown): KeyValueRow[] =>
    isObject(v)
      ? Object.entries(v).map(([key, val]) => ({ key, value: String(val), kept: false }))
      : [];
  const ignored = Object.keys(entry).filter((key) => !ENTRY_KEYS.has(key));
  if (ignored.length > 0) {
    note = [note, `Left out what Airlock does not use: ${ignored.join(', ')}.`]
      .filter(Boolean)
      .join(' ');
  }
  const declared = String(entry['transport'] ?? entry['type'] ?? '');
  const transport: Transport =
    typeof entry['command'] === 'string' ? 'stdio' : declared === 'sse' ? 'sse' : 'http';
  return {
    ok: true,
    values: {
      id,
      transport,
      command: typeof entry['command'] === 'string' ? entry['command'] : '',
      args: strings(entry['args']).join('\n'),
      cwd: typeof entry['cwd'] === 'string' ? entry['cwd'] : '',
      url: typeof entry['url'] === 'string' ? entry['url'] : '',
      env: rows(entry['env']),
      headers: rows(entry['headers']),
    },
    ...(note === undefined ? {} : { note }),
  };
}

const ENTRY_KEYS = new Set([
  'command',
  'args',
  'env',
  'cwd',
  'url',
  'headers',
  'transport',
  'type',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A starter policy for a new server: every call waits for a person until rules are written. */
export const STARTER_POLICY = `{
  "version": "1",
  "default": "require_approval",
  "tools": {}
}
`;

/** The form field a problem points at: "/mcpServers/<id>/url" → "url", "/id" → "id". */
export function problemField(path: string): string | undefined {
  const parts = path.split('/').slice(1);
  if (parts[0] === 'id') return 'id';
  if (parts[0] === 'mcpServers') return parts[2];
  if (parts[0] === 'config') return parts[1];
  return undefined;
}
