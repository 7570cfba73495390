// Compiles a rule's `args` JSON Schema into a validator for call arguments. Strict, so a typo
// in the schema ("patern", "requried") is an error in the policy rather than a rule that
// silently lets everything through. The arguments are an agent's: checking them costs time in
// proportion to their size, never more.
import Ajv from 'ajv';
import type { AnySchema, SchemaValidateFunction, ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { RE2JS } from 're2js';
import { canonicalJson } from '../calls/canonical-json';
import { ajvProblems, escapePointerToken } from '../json-problems';
import type { RawProblem } from '../json-problems';
import type { ArgsCheck, ArgsValidator } from './types';

type Dialect = 'draft-07' | '2020-12';

/**
 * Arguments holding more JSON values than this are checked only up to their first problem.
 * Listing every problem costs time and memory for each one, and a body of a few megabytes can
 * be an array of a million wrong items; the refusal quotes only the first few problems anyway.
 */
export const MAX_VALUES_LISTING_ALL_PROBLEMS = 10_000;

const DIALECTS: Record<string, Dialect> = {
  'http://json-schema.org/draft-07/schema': 'draft-07',
  'http://json-schema.org/draft-07/schema#': 'draft-07',
  'https://json-schema.org/draft-07/schema': 'draft-07',
  'https://json-schema.org/draft-07/schema#': 'draft-07',
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
  'https://json-schema.org/draft/2020-12/schema#': '2020-12',
};

/**
 * `pattern`s run on RE2, which matches in time linear in the text: an agent's argument is the
 * text, and on a backtracking engine a pattern such as `^(a+)+$` lets 30 characters stop Airlock
 * for seconds (a few more, for hours). RE2 has no lookaround or backreferences; a pattern using
 * them is a problem in the policy, located by findSchemaProblems.
 */
const linearRegExp: RegExpEngine = Object.assign(
  (pattern: string) => {
    const compiled = RE2JS.compile(pattern);
    // Ajv keys compiled patterns by toString(), so each must name its own source.
    return { test: (text: string) => compiled.test(text), toString: () => `re2:${pattern}` };
  },
  { code: 'RE2JS.compile' },
);

/**
 * One compiler per policy parse: schemas with an `$id` register under it, so a shared instance
 * would make a re-loaded policy clash with its previous version.
 */
export class ArgsSchemaCompiler {
  /** By dialect, and whether the instance lists every problem or stops at the first. */
  private readonly instances = new Map<`${Dialect}/${'all' | 'first'}`, Ajv>();

  /** `path` is the pointer of the schema in the policy file; problems are reported below it. */
  compile(
    schema: Record<string, unknown>,
    path: string,
  ): { ok: true; validate: ArgsValidator } | { ok: false; problems: RawProblem[] } {
    const declared = schema['$schema'];
    // MCP tool input schemas default to 2020-12, and rules are usually written from them.
    const dialect =
      declared === undefined
        ? '2020-12'
        : typeof declared === 'string' && Object.hasOwn(DIALECTS, declared)
          ? DIALECTS[declared]
          : undefined;
    if (dialect === undefined) {
      return fail(
        `${path}/$schema`,
        `unsupported $schema ${JSON.stringify(declared)}: use "http://json-schema.org/draft-07/schema#" or "https://json-schema.org/draft/2020-12/schema"`,
      );
    }
    if (schema['$async'] !== undefined) {
      return fail(`${path}/$async`, 'asynchronous schemas are not supported in argument rules');
    }
    const ajv = this.instance(dialect, 'all');
    const problems: RawProblem[] = [];
    if (!ajv.validateSchema(schema)) {
      problems.push(...ajvProblems(ajv.errors, { basePath: path }));
    }
    findSchemaProblems(ajv, schema, path, problems);
    if (problems.length > 0) return { ok: false, problems };
    try {
      // $async was refused above, so compile returns synchronous validators.
      const all = ajv.compile(schema as AnySchema) as ValidateFunction;
      const first = this.instance(dialect, 'first').compile(
        schema as AnySchema,
      ) as ValidateFunction;
      return {
        ok: true,
        validate: (args: unknown): ArgsCheck => {
          const validate = holdsMoreValues(args, MAX_VALUES_LISTING_ALL_PROBLEMS) ? first : all;
          return validate(args)
            ? ARGS_OK
            : { ok: false, problems: ajvProblems(validate.errors, { includeValues: false }) };
        },
      };
    } catch (error) {
      return fail(path, (error as Error).message);
    }
  }

  private instance(dialect: Dialect, problems: 'all' | 'first'): Ajv {
    let ajv = this.instances.get(`${dialect}/${problems}`);
    if (ajv === undefined) {
      const options = {
        allErrors: problems === 'all',
        verbose: true,
        strict: true,
        // Valid JSON Schema that ajv's stricter checks would refuse: a `pattern` without
        // `type: "string"`, `required` naming a key only matched by patternProperties, an open
        // tuple. Strictness is for catching mistakes, not for narrowing the standard.
        strictTypes: false,
        strictRequired: false,
        strictTuples: false,
        // Validation must never change the arguments that are then forwarded.
        useDefaults: false,
        coerceTypes: false,
        removeAdditional: false,
        code: { regExp: linearRegExp },
      } as const;
      ajv = dialect === '2020-12' ? new Ajv2020(options) : new Ajv(options);
      addFormats(ajv);
      replaceUniqueItems(ajv);
      this.instances.set(`${dialect}/${problems}`, ajv);
    }
    return ajv;
  }
}

const ARGS_OK: ArgsCheck = { ok: true };

/**
 * `uniqueItems`, checked in linear time. Ajv's own compares items that are objects or arrays
 * pairwise, so an agent's array of a few hundred thousand distinct objects would stop Airlock for
 * hours; and it keys scalar items by a plain object, where two "__proto__" strings are never seen
 * as equal. Two JSON values are equal exactly when their canonical JSON texts are (keys sorted,
 * 1.0 and 1 one number, as JSON Schema defines equality). Infinity, which JSON has no text for,
 * never gets here: the gatekeeper refuses it before any rule is checked.
 */
function replaceUniqueItems(ajv: Ajv): void {
  ajv.removeKeyword('uniqueItems');
  const validate: SchemaValidateFunction = (schema: unknown, data: unknown) => {
    if (schema !== true || !Array.isArray(data)) return true;
    const seen = new Map<string, number>();
    for (let index = 0; index < data.length; index++) {
      const key = canonicalJson(data[index]);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        validate.errors = [
          {
            keyword: 'uniqueItems',
            // As ajv says it: i the later item, j the earlier.
            params: { i: index, j: earlier },
            message: `must NOT have duplicate items (items ## ${earlier} and ${index} are identical)`,
          },
        ];
        return false;
      }
      seen.set(key, index);
    }
    return true;
  };
  ajv.addKeyword({ keyword: 'uniqueItems', type: 'array', schemaType: 'boolean', validate });
}

/** Whether `value` holds more than `limit` JSON values (itself included); stops counting there. */
function holdsMoreValues(value: unknown, limit: number): boolean {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    if (++count > limit) return true;
    const current = stack.pop();
    if (current === null || typeof current !== 'object') continue;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      // Pushed only while the count could still stay within the limit, so the stack stays small.
      if (count + stack.length >= limit) return true;
      stack.push(child);
    }
  }
  return false;
}

function fail(path: string, message: string): { ok: false; problems: RawProblem[] } {
  return { ok: false, problems: [{ path, message }] };
}

// Keywords whose value is a schema, an array of schemas, or a map of names to schemas.
const SCHEMA_KEYWORDS = new Set([
  'not',
  'if',
  'then',
  'else',
  'items',
  'additionalItems',
  'contains',
  'propertyNames',
  'additionalProperties',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
]);
const SCHEMA_ARRAY_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);
const SCHEMA_MAP_KEYWORDS = new Set([
  'properties',
  'patternProperties',
  'definitions',
  '$defs',
  'dependentSchemas',
  'dependencies',
]);

/**
 * Ajv's strict mode stops at the first unknown keyword and does not say where it is; walking the
 * schema finds every one, with its pointer, so the editor can mark each typo. The walk also finds
 * each pattern RE2 cannot run.
 */
function findSchemaProblems(ajv: Ajv, schema: unknown, path: string, out: RawProblem[]): void {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return;
  const known = ajv.RULES.keywords;
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    const keyPath = `${path}/${escapePointerToken(key)}`;
    if (!known[key]) {
      const suggestion = closestKeyword(key, Object.keys(known));
      out.push({
        path: keyPath,
        message: `strict mode: unknown keyword: "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
        at: 'key',
      });
      continue;
    }
    if (key === 'pattern' && typeof value === 'string') checkPattern(value, keyPath, 'value', out);
    if (SCHEMA_ARRAY_KEYWORDS.has(key) && Array.isArray(value)) {
      value.forEach((item, index) => findSchemaProblems(ajv, item, `${keyPath}/${index}`, out));
    } else if (SCHEMA_KEYWORDS.has(key)) {
      findSchemaProblems(ajv, value, keyPath, out);
    } else if (SCHEMA_MAP_KEYWORDS.has(key) && value !== null && typeof value === 'object') {
      for (const [name, sub] of Object.entries(value as Record<string, unknown>)) {
        const subPath = `${keyPath}/${escapePointerToken(name)}`;
        if (key === 'patternProperties') checkPattern(name, subPath, 'key', out);
        // `dependencies` may map to an array of names rather than a schema.
        if (!Array.isArray(sub)) findSchemaProblems(ajv, sub, subPath, out);
      }
    }
  }
}

function checkPattern(source: string, path: string, at: 'key' | 'value', out: RawProblem[]): void {
  try {
    RE2JS.compile(source);
  } catch (error) {
    out.push({
      path,
      message: `pattern ${JSON.stringify(source)} cannot be used (${(error as Error).message}): argument rules run on RE2, which matches in linear time and has no lookahead, lookbehind or backreferences`,
      at,
    });
  }
}

function closestKeyword(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
