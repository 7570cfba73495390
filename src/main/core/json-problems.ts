// Turns JSON text and JSON Schema (ajv) errors into JsonProblems a person can act on: a JSON Pointer,
// a plain message and the line and column in the file. Shared by the policy and config parsers.
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { getLocation, parseTree, printParseErrorCode } from 'jsonc-parser';
import { MAX_JSON_DEPTH, tooDeepOffset } from './bounded-json';
import type { Node, ParseError } from 'jsonc-parser';
import type { JsonProblem } from './ports';

/** A problem before it is placed in the text: `at: 'key'` points at an object key rather than its value. */
export interface RawProblem {
  path: string;
  message: string;
  at?: 'key' | 'value';
}

/** JSON text parsed into a value and the syntax tree that locates pointers in the text. */
export interface JsonDocument {
  readonly text: string;
  readonly root: Node;
  readonly value: unknown;
  /** Keys that appear twice in one object; the value keeps the last, as JSON.parse does. */
  readonly duplicateKeys: readonly RawProblem[];
  /** Lazily built offsets of each line start, for offset → line/column. */
  lineStarts?: number[];
}

export type ParsedDocument = { ok: true; doc: JsonDocument } | { ok: false; errors: JsonProblem[] };

/**
 * Parses strict JSON: comments and trailing commas are errors, because the files are meant to be
 * read by other JSON tools too. Syntax errors come back with line and column.
 */
export function parseJsonDocument(source: string): ParsedDocument {
  // Some Windows editors save a byte order mark; it is not part of the JSON and no editor counts it
  // as a column.
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (text.trim() === '') {
    return {
      ok: false,
      errors: [
        { path: '', message: 'the file is empty: expected a JSON object', line: 1, column: 1 },
      ],
    };
  }
  const deep = tooDeepOffset(text);
  if (deep !== -1) {
    const before = text.slice(0, deep);
    const line = before.split('\n').length;
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `nested deeper than ${MAX_JSON_DEPTH} levels`,
          line,
          column: deep - before.lastIndexOf('\n'),
        },
      ],
    };
  }
  const parseErrors: ParseError[] = [];
  const root = parseTree(text, parseErrors, {
    allowTrailingComma: false,
    disallowComments: true,
    allowEmptyContent: false,
  });
  if (parseErrors.length > 0 || root === undefined) {
    return { ok: false, errors: syntaxProblems(text, parseErrors) };
  }
  let value: unknown;
  try {
    // JSON.parse rather than the tree's value: it gives ordinary objects and stores a "__proto__"
    // key as plain data, and the tree above has already located any syntax error.
    value = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      errors: [
        { path: '', message: `invalid JSON: ${(error as Error).message}`, line: 1, column: 1 },
      ],
    };
  }
  const duplicateKeys: RawProblem[] = [];
  collectDuplicateKeys(root, '', duplicateKeys);
  return { ok: true, doc: { text, root, value, duplicateKeys } };
}

/**
 * Compiles the schema of one of Airlock's own files (policy, config). Strict, so a mistake in the
 * schema itself fails at startup; verbose, so messages can quote the offending value and list the
 * allowed keys. `patternErrorMessage` (understood by VS Code and Monaco too) words pattern errors.
 */
export function compileDocumentSchema(schema: Readonly<Record<string, unknown>>): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  return ajv.compile(schema);
}

function syntaxProblems(text: string, parseErrors: readonly ParseError[]): JsonProblem[] {
  const lineStarts = computeLineStarts(text);
  const seenOffsets = new Set<number>();
  const problems: JsonProblem[] = [];
  for (const error of parseErrors) {
    // One mistake often yields several codes at the same offset (a trailing comma gives both
    // "property name expected" and "value expected"); the first says it best.
    if (seenOffsets.has(error.offset)) continue;
    seenOffsets.add(error.offset);
    const { line, column } = positionOf(lineStarts, error.offset);
    problems.push({
      path: syntaxPath(getLocation(text, error.offset).path),
      message: syntaxMessage(text, error),
      line,
      column,
    });
  }
  return problems;
}

function syntaxMessage(text: string, error: ParseError): string {
  const code = printParseErrorCode(error.error);
  switch (code) {
    case 'PropertyNameExpected':
    case 'ValueExpected':
      if (followsComma(text, error.offset)) return 'trailing commas are not allowed in JSON';
      if (error.offset >= text.length) return 'unexpected end of file: expected a value';
      return code === 'ValueExpected' ? 'expected a value' : 'expected a key in double quotes';
    case 'InvalidSymbol':
      return `unexpected character ${JSON.stringify(text.slice(error.offset, error.offset + Math.max(1, error.length)))}`;
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return 'invalid number';
    case 'ColonExpected':
      return 'expected ":" after the key';
    case 'CommaExpected':
      return 'expected "," between entries';
    case 'CloseBraceExpected':
      return 'expected "}" to close the object';
    case 'CloseBracketExpected':
      return 'expected "]" to close the array';
    case 'EndOfFileExpected':
      return 'unexpected text after the end of the JSON document';
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return 'comments are not allowed in JSON';
    case 'UnexpectedEndOfString':
      return 'unterminated string';
    case 'InvalidUnicode':
      return 'invalid \\u escape in string';
    case 'InvalidEscapeCharacter':
      return 'invalid escape sequence in string';
    case 'InvalidCharacter':
      return 'invalid character in string (control characters must be escaped)';
    default:
      return 'invalid JSON';
  }
}

function followsComma(text: string, offset: number): boolean {
  const next = text[offset];
  if (next !== '}' && next !== ']') return false;
  for (let i = offset - 1; i >= 0; i--) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    return c === ',';
  }
  return false;
}

function collectDuplicateKeys(node: Node, path: string, out: RawProblem[]): void {
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children ?? [];
      if (keyNode === undefined) continue;
      const key = String(keyNode.value);
      const childPath = `${path}/${escapePointerToken(key)}`;
      if (seen.has(key)) {
        out.push({
          path: childPath,
          message: `duplicate key "${key}" (JSON keeps only the last one)`,
          at: 'key',
        });
      }
      seen.add(key);
      if (valueNode !== undefined) collectDuplicateKeys(valueNode, childPath, out);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, index) =>
      collectDuplicateKeys(child, `${path}/${index}`, out),
    );
  }
}

// ---- JSON Pointer (RFC 6901) ----

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Builds a pointer from raw (unescaped) tokens: pointer('tools', 'a/b') → "/tools/a~1b". */
export function pointer(...tokens: ReadonlyArray<string | number>): string {
  let out = '';
  for (const token of tokens) out += `/${escapePointerToken(String(token))}`;
  return out;
}

// Where the scanner stopped: inside an object a trailing "" stands for a key not yet written,
// which names no place in the document; the enclosing value does.
function syntaxPath(path: ReadonlyArray<string | number>): string {
  return pointer(...(path[path.length - 1] === '' ? path.slice(0, -1) : path));
}

function pointerTokens(path: string): string[] {
  if (path === '') return [];
  return path.slice(1).split('/').map(unescapePointerToken);
}

// ---- Locating problems in the text ----

/**
 * Places problems in the text, drops exact duplicates and sorts them by position, so a person
 * reads them top to bottom. A pointer to something that is not in the text (a missing key) is
 * placed at the nearest enclosing value that is.
 */
export function locateProblems(doc: JsonDocument, problems: readonly RawProblem[]): JsonProblem[] {
  const seen = new Set<string>();
  const located: JsonProblem[] = [];
  for (const problem of problems) {
    const id = `${problem.path}\u0000${problem.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const offset = offsetOf(doc.root, problem.path, problem.at ?? 'value');
    const { line, column } = positionOf((doc.lineStarts ??= computeLineStarts(doc.text)), offset);
    located.push({ path: problem.path, message: problem.message, line, column });
  }
  return sortProblems(located);
}

function sortProblems(problems: JsonProblem[]): JsonProblem[] {
  return problems.sort(
    (a, b) =>
      (a.line ?? Infinity) - (b.line ?? Infinity) ||
      (a.column ?? Infinity) - (b.column ?? Infinity) ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

function offsetOf(root: Node, path: string, at: 'key' | 'value'): number {
  let node = root;
  let keyNode: Node | undefined;
  for (const token of pointerTokens(path)) {
    const next = childOf(node, token);
    if (next === undefined) return node.offset;
    node = next.value;
    keyNode = next.key;
  }
  return at === 'key' && keyNode !== undefined ? keyNode.offset : node.offset;
}

function childOf(node: Node, token: string): { key?: Node; value: Node } | undefined {
  if (node.type === 'object') {
    // The last property with the name wins, matching the parsed value.
    const properties = node.children ?? [];
    for (let i = properties.length - 1; i >= 0; i--) {
      const [key, value] = properties[i]?.children ?? [];
      if (key !== undefined && value !== undefined && key.value === token) return { key, value };
    }
    return undefined;
  }
  if (node.type === 'array' && /^(0|[1-9]\d*)$/.test(token)) {
    const value = node.children?.[Number(token)];
    return value === undefined ? undefined : { value };
  }
  return undefined;
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts;
}

function positionOf(
  lineStarts: readonly number[],
  offset: number,
): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1 };
}

// ---- ajv errors → plain messages ----

export interface AjvProblemOptions {
  /** Prefix for every path, when the validated value sits inside a larger document. */
  basePath?: string;
  /**
   * Whether messages may quote the offending value ("got ..."). Off for a tool call's arguments,
   * which may hold secrets that must not reach the history through a refusal reason.
   */
  includeValues?: boolean;
}

/**
 * Maps ajv errors (compiled with `allErrors` and `verbose`) to plain messages. Alternatives of
 * anyOf/oneOf are folded so one wrong value gives one message rather than one per branch.
 */
export function ajvProblems(
  errors: readonly ErrorObject[] | null | undefined,
  options: AjvProblemOptions = {},
): RawProblem[] {
  if (!errors || errors.length === 0) return [];
  const base = options.basePath ?? '';
  const includeValues = options.includeValues ?? true;
  const problems: RawProblem[] = [];
  const folded = foldAlternatives(errors);
  for (const error of folded) {
    const problem = describeAjvError(error, includeValues);
    if (problem !== undefined) problems.push({ ...problem, path: base + problem.path });
  }
  return problems;
}

function foldAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  const alternativePaths = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') alternativePaths.add(e.instancePath);
  }
  if (alternativePaths.size === 0) return [...errors];
  // Each error goes to every alternative at its own path or above it, found by walking up its
  // path: filtering all errors once per alternative would be quadratic, and an agent's array of
  // many thousand wrong items gives that many alternatives.
  const relatedTo = new Map<string, ErrorObject[]>();
  for (const path of alternativePaths) relatedTo.set(path, []);
  for (const e of errors) {
    const path = e.instancePath;
    for (let end = path.length; end >= 0; end = path.lastIndexOf('/', end - 1)) {
      relatedTo.get(path.slice(0, end))?.push(e);
      if (end === 0) break;
    }
  }
  const out: ErrorObject[] = [];
  for (const [path, related] of relatedTo) {
    // A branch whose type matched failed for a more specific reason; the type errors of the other
    // branches only add noise. When every branch failed on type, say which types would do.
    const hasSpecific = related.some(
      (e) =>
        e.keyword !== 'anyOf' &&
        e.keyword !== 'oneOf' &&
        !(e.keyword === 'type' && e.instancePath === path),
    );
    if (!hasSpecific) {
      const types = related
        .filter((e) => e.keyword === 'type' && e.instancePath === path)
        .flatMap((e) => typeList(e.params['type']));
      const first = related[0];
      if (first !== undefined && types.length > 0) {
        out.push({ ...first, keyword: 'type', params: { type: [...new Set(types)] } });
      }
    }
  }
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      if (e.keyword === 'oneOf' && e.params['passingSchemas'] != null) out.push(e);
      continue;
    }
    if (e.keyword === 'type' && alternativePaths.has(e.instancePath)) continue;
    out.push(e);
  }
  return out;
}

function typeList(type: unknown): string[] {
  if (Array.isArray(type)) return type.map(String);
  return typeof type === 'string' ? type.split(',') : [];
}

const TYPE_NAMES: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  null: 'null',
};

function describeType(type: unknown): string {
  const names = typeList(type).map((t) => TYPE_NAMES[t] ?? t);
  if (names.length <= 1) return names[0] ?? 'of another type';
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** A short rendering of a value for "got ..." hints, never the whole of a large value. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function got(error: ErrorObject, includeValues: boolean): string {
  if (!('data' in error)) return '';
  if (!includeValues) {
    const data = error.data as unknown;
    return data === null || typeof data === 'object' ? ` (got ${describeValue(data)})` : '';
  }
  return ` (got ${describeValue(error.data)})`;
}

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function describeAjvError(error: ErrorObject, includeValues: boolean): RawProblem | undefined {
  const path = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const parent = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const allowed = Object.keys(parent?.properties ?? {});
      const hint = allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
      return {
        path: `${path}/${escapePointerToken(key)}`,
        message: `unknown key "${key}"${hint}`,
        at: 'key',
      };
    }
    case 'unevaluatedProperties': {
      const key = String(params['unevaluatedProperty']);
      return {
        path: `${path}/${escapePointerToken(key)}`,
        message: `unknown key "${key}"`,
        at: 'key',
      };
    }
    case 'required':
      return { path, message: `missing required key "${String(params['missingProperty'])}"` };
    case 'dependentRequired':
    case 'dependencies':
      return {
        path,
        message: `key "${String(params['missingProperty'])}" is required when "${String(params['property'])}" is present`,
      };
    case 'propertyNames':
      // The nested error (with `propertyName`) already says what is wrong with the name.
      return undefined;
    case 'enum':
      return {
        path,
        message: `must be one of ${quoteList((params['allowedValues'] as unknown[]) ?? [])}${got(error, includeValues)}`,
      };
    case 'const':
      return {
        path,
        message: `must be ${JSON.stringify(params['allowedValue'])}${got(error, includeValues)}`,
      };
    case 'type':
      return { path, message: `must be ${describeType(params['type'])}${gotType(error)}` };
    case 'minLength':
      return {
        path,
        message:
          params['limit'] === 1
            ? 'must not be empty'
            : `must be at least ${String(params['limit'])} characters long`,
      };
    case 'maxLength':
      return { path, message: `must be at most ${String(params['limit'])} characters long` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        path,
        message: `must be ${String(params['comparison'])} ${String(params['limit'])}${got(error, includeValues)}`,
      };
    case 'multipleOf':
      return { path, message: `must be a multiple of ${String(params['multipleOf'])}` };
    case 'minItems':
      return { path, message: `must have at least ${String(params['limit'])} item(s)` };
    case 'maxItems':
      return { path, message: `must have at most ${String(params['limit'])} item(s)` };
    case 'minProperties':
      return { path, message: `must have at least ${String(params['limit'])} key(s)` };
    case 'maxProperties':
      return { path, message: `must have at most ${String(params['limit'])} key(s)` };
    case 'uniqueItems':
      return {
        path,
        message: `must not contain duplicates (items ${String(params['j'])} and ${String(params['i'])} are equal)`,
      };
    case 'pattern': {
      const parent = error.parentSchema as { patternErrorMessage?: unknown } | undefined;
      const custom =
        typeof parent?.patternErrorMessage === 'string' ? parent.patternErrorMessage : undefined;
      const message = custom ?? `must match pattern "${String(params['pattern'])}"`;
      if (error.propertyName !== undefined) {
        // From propertyNames: the key itself is wrong, so point at the key.
        return { path: `${path}/${escapePointerToken(error.propertyName)}`, message, at: 'key' };
      }
      return { path, message };
    }
    case 'format':
      return { path, message: formatMessage(String(params['format'])) };
    case 'oneOf':
      return { path, message: 'must match exactly one of the allowed forms, but matches several' };
    case 'false schema':
      return { path, message: 'is not allowed here' };
    default: {
      const message = error.message ?? 'is not valid';
      if (error.propertyName !== undefined) {
        return {
          path: `${path}/${escapePointerToken(error.propertyName)}`,
          message: `key ${message}`,
          at: 'key',
        };
      }
      return { path, message };
    }
  }
}

function gotType(error: ErrorObject): string {
  if (!('data' in error)) return '';
  const data = error.data as unknown;
  if (data === null) return ' (got null)';
  if (Array.isArray(data)) return ' (got an array)';
  if (typeof data === 'object') return ' (got an object)';
  if (typeof data === 'string') return ' (got a string)';
  if (typeof data === 'number')
    return Number.isInteger(data) ? ' (got an integer)' : ' (got a number)';
  if (typeof data === 'boolean') return ` (got ${String(data)})`;
  return '';
}

function formatMessage(format: string): string {
  switch (format) {
    case 'date-time':
      return 'must be a date and time such as "2026-01-31T12:00:00Z"';
    case 'date':
      return 'must be a date such as "2026-01-31"';
    case 'email':
      return 'must be an email address';
    case 'uri':
    case 'url':
      return 'must be a URL';
    default:
      return `must be a valid ${format}`;
  }
}

// ---- CLI output ----

/** One problem per line, `file:line:column  /pointer  message`, the form editors and terminals link. */
export function formatProblems(file: string, problems: readonly JsonProblem[]): string {
  return problems
    .map((p) => {
      const where = p.line === undefined ? file : `${file}:${p.line}:${p.column ?? 1}`;
      return `${where}  ${p.path === '' ? '(root)' : p.path}  ${p.message}`;
    })
    .join('\n');
}
