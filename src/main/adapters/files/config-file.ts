// Reads config.json into an AirlockConfig and makes targeted edits to it that keep the user's
// formatting, key order and unrelated keys, so a hand-kept file stays theirs.
import fs from 'node:fs';
import {
  applyEdits,
  findNodeAtLocation,
  modify,
  parseTree,
  printParseErrorCode,
  type Edit,
  type JSONPath,
  type ParseError,
} from 'jsonc-parser';
import { detectFormatting, lineColumn } from '../../core/config/jsonc-edit';
import { DEFAULT_SETTINGS, type AirlockConfig } from '../../core/config/types';
import { parseConfig } from '../../core/config/parse-config';
import type { JsonProblem, Parsed } from '../../core/ports';
import {
  EDITABLE_SETTING_KEYS,
  SETTINGS,
  type EditableSettings,
  type SettingSpec,
} from '../../../shared/model/settings';
import { ApiError } from '../../../shared/api-error';
import { writeFileAtomic } from './atomic-write';
import { configPath } from './data-dir';

/**
 * A new config.json is created readable by the user alone: mcpServers entries pasted from other
 * clients often carry API keys in `env` or `headers`.
 */
const NEW_CONFIG_MODE = 0o600;

function emptyConfig(): AirlockConfig {
  return { servers: [], grants: [], settings: { ...DEFAULT_SETTINGS } };
}

/** A missing config.json is an empty config; problems carry parseConfig's line and column. */
export function loadConfig(dataDir: string): Parsed<AirlockConfig> {
  const text = readConfigText(dataDir);
  if (text === undefined) return { ok: true, value: emptyConfig() };
  if (typeof text !== 'string') return { ok: false, errors: [text] };
  return parseConfig(text);
}

/** config.json's text, undefined when it does not exist, or a problem when it cannot be read. */
export function readConfigText(dataDir: string): string | undefined | JsonProblem {
  const file = configPath(dataDir);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { path: '', message: `cannot read ${file}: ${(err as Error).message}` };
  }
}

/** One line per problem, as `<file>:<line>:<column>: <path>: <message>`, for logs and CLI output. */
export function describeConfigProblems(dataDir: string, problems: readonly JsonProblem[]): string {
  const file = configPath(dataDir);
  return problems
    .map((p) => {
      const at = p.line !== undefined ? `${file}:${p.line}:${p.column ?? 1}` : file;
      return `${at}: ${p.path ? p.path + ': ' : ''}${p.message}`;
    })
    .join('\n');
}

/** config.json could not be used; the message lists each problem with its file, line and path. */
export class ConfigProblem extends Error {}

/** config.json cannot be edited safely, because it is not a JSON object or cannot be read. */
export class ConfigEditError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'ConfigEditError';
  }
}

/**
 * Sets the value at `jsonPath` in config.json (creating the file and any missing objects on the
 * way), or removes it when `value` is undefined. Writes atomically. Throws ConfigEditError when
 * the file has syntax errors: rewriting text we cannot parse could lose what the user wrote.
 */
export function updateConfigJson(dataDir: string, jsonPath: string[], value: unknown): void {
  const file = configPath(dataDir);
  const existing = readConfigText(dataDir);
  if (existing !== undefined && typeof existing !== 'string') {
    throw new ConfigEditError(existing.message);
  }
  const text = existing === undefined || existing.trim() === '' ? '{}\n' : existing;
  assertEditable(file, text);
  // A removal is left unformatted: jsonc-parser would reformat the preceding entry with it.
  const updated = applyEdits(
    text,
    modify(
      text,
      jsonPath,
      value,
      value === undefined ? {} : { formattingOptions: detectFormatting(text) },
    ),
  );
  writeFileAtomic(file, updated, existing === undefined ? { mode: NEW_CONFIG_MODE } : {});
}

/**
 * Writes changed settings into config.json where the settings table says each lives (a duration as
 * seconds, under its own name), keeping the rest of the file as the user wrote it. A file it cannot
 * edit (syntax errors) refuses the change as a conflict: the person must fix the file first.
 */
export function saveSettings(dataDir: string, change: Partial<EditableSettings>): void {
  try {
    for (const key of EDITABLE_SETTING_KEYS) {
      const value = change[key];
      if (value === undefined) continue;
      const spec: SettingSpec = SETTINGS[key];
      if (spec.kind === 'duration') {
        updateConfigJson(dataDir, ['settings', spec.fileKey], `${Number(value) / 1000}s`);
      } else {
        updateConfigJson(dataDir, ['settings', key], value);
      }
    }
  } catch (error) {
    if (error instanceof ConfigEditError) throw new ApiError('conflict', error.message);
    throw error;
  }
}

/**
 * Replaces existing values in config.json, each by the JSON text given, leaving every other byte
 * of the file as it was. Does nothing and returns false when the file no longer holds `expected`:
 * a person saved it since, and their newer text is read (and handled) next.
 */
export function replaceConfigValues(
  dataDir: string,
  expected: string,
  replacements: readonly { path: JSONPath; json: string }[],
): boolean {
  const file = configPath(dataDir);
  const text = readConfigText(dataDir);
  if (text !== expected) return false;
  assertEditable(file, text);
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const edits: Edit[] = [];
  for (const { path, json } of replacements) {
    const node = root && findNodeAtLocation(root, path);
    if (node === undefined) return false;
    edits.push({ offset: node.offset, length: node.length, content: json });
  }
  writeFileAtomic(file, applyEdits(text, edits));
  return true;
}

function assertEditable(file: string, text: string): void {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    const { line, column } = lineColumn(text, first.offset);
    throw new ConfigEditError(
      `${file} has a syntax error at line ${line}, column ${column} ` +
        `(${printParseErrorCode(first.error)}); fix it before Airlock edits the file`,
      line,
      column,
    );
  }
  if (root?.type !== 'object') {
    throw new ConfigEditError(`${file} must contain a JSON object`);
  }
}
