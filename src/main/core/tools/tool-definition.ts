// A tool's definition as Airlock pins it: the parts of a tools/list entry that the agent's model
// reads and its client acts on (name, title, description, input and output schemas, annotations),
// and their fingerprint, the SHA-256 of their canonical JSON. Other fields (icons, _meta) may
// change freely.
import { canonicalHash } from '../calls/canonical-json';
import { asObject } from '../json-values';
import { DEFINITION_FIELDS } from '../../../shared/model/tools';

/** The pinned parts of a tool, as the server sent them (only `name` is checked: it is a string). */
export interface ToolDefinition {
  name: string;
  title?: unknown;
  description?: unknown;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
}

/** A definition as one listing showed it, with its fingerprint. */
export interface SeenDefinition {
  definition: ToolDefinition;
  /** SHA-256 (hex) of the definition's canonical JSON. */
  hash: string;
}

/**
 * The definition in one tools/list entry, or undefined when the entry is not a tool (not an
 * object, or no string name). A field the entry leaves out stays out: absent and null differ.
 * Throws TooDeepError for an entry nested past MAX_JSON_DEPTH, which no parsed message holds.
 */
export function readToolDefinition(entry: unknown): SeenDefinition | undefined {
  const tool = asObject(entry);
  if (tool === undefined || typeof tool['name'] !== 'string') return undefined;
  const definition: Record<string, unknown> = {};
  for (const field of DEFINITION_FIELDS) {
    if (Object.hasOwn(tool, field) && tool[field] !== undefined) definition[field] = tool[field];
  }
  return { definition: definition as unknown as ToolDefinition, hash: canonicalHash(definition) };
}

/** The tools of a tools/list result (one page), in order; entries that are not tools are skipped. */
export function readToolList(tools: unknown): SeenDefinition[] {
  if (!Array.isArray(tools)) return [];
  const seen: SeenDefinition[] = [];
  for (const entry of tools) {
    const read = readToolDefinition(entry);
    if (read !== undefined) seen.push(read);
  }
  return seen;
}
