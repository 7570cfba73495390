// What in a tool's definition deserves a person's look before an agent uses it: characters a person
// cannot see (invisible, tag or bidirectional ones), text that addresses the model rather than
// describing the tool (a short list of patterns below), mentions of other tools by name, and a name
// that imitates another tool's (lookalike-names.ts). Findings are flags for the Servers screen, in
// words; nothing here decides a call.
import { cutText } from '../../../shared/cut-text';
import type { ToolFlag } from '../../../shared/model/tools';
import {
  codePointName,
  hidesSomething,
  revealHidden,
  scanHidden,
  withoutHidden,
  type HiddenScan,
} from './hidden-text';
import { findImitations, type KnownTool, type NameContext } from './lookalike-names';

export type { NameContext };
import type { ToolDefinition } from './tool-definition';

/**
 * Text aimed at the model instead of describing the tool, as seen in published tool-poisoning
 * attacks. Deliberately few and specific: each is a reason for a person to read the description,
 * not proof of anything, and a list that flags every tool would be ignored.
 */
const INSTRUCTION_PATTERNS: readonly { says: string; pattern: RegExp }[] = [
  {
    says: 'tells the model to ignore or override its instructions',
    pattern:
      /\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|other|system|original)\b[^.\n]{0,20}\b(instructions?|prompts?|rules|directions|guidelines)\b/i,
  },
  {
    says: 'asks the model to keep something from the user',
    pattern:
      /\b(do not|don't|dont|never|without)\s+(\w+\s+){0,3}?(tell|telling|inform|informing|mention|mentioning|reveal|revealing|notify|notifying|alert|alerting|show|showing)\b[^.\n]{0,30}\buser\b/i,
  },
  {
    says: 'has a tag that addresses the model (such as <IMPORTANT>)',
    pattern:
      /<\s*\/?\s*(important|system|instructions?|secret|hidden|admin|assistant|prompt|context|note to (the )?(ai|model|assistant))\s*>/i,
  },
  {
    says: 'tells the model to read or send something before or after using a tool',
    pattern:
      /\b(before|prior to|after)\s+(using|calling|running|invoking)\s+(this|the|any|that)\s+tool\b[^\n]{0,100}\b(read|open|cat|load|send|pass|include|upload|fetch)\b/i,
  },
  {
    says: 'mentions a file that holds credentials or configuration',
    pattern:
      /(~\/\.ssh\b|\.ssh\/|\bid_(rsa|ed25519|ecdsa|dsa)\b|\.aws\/credentials|\.npmrc\b|\.netrc\b|\.pgpass\b|\/etc\/(passwd|shadow)\b|\bmcp\.json\b|claude_desktop_config\.json|\.cursor\/mcp|\.env\b)/i,
  },
  {
    says: 'speaks to the model as a system prompt would',
    pattern:
      /\b(you are now|as an ai (model|assistant)|(your|the) system prompt|new instructions:|(ai|assistant|model),? you must)\b/i,
  },
  {
    says: 'asks to send data to an address',
    pattern:
      /\b(send|post|upload|forward|exfiltrate|transmit|copy)\b[^.\n]{0,80}(https?:\/\/|\b[\w.+-]+@[\w-]+\.[a-z]{2,})/i,
  },
];

/** Strings read from one definition at most, and characters of each, so no definition stalls this. */
const MAX_STRINGS = 2000;
const MAX_TEXT = 100_000;
/** Characters of a quote from the definition in a message. */
const QUOTE_CHARS = 80;
/** Other tools' names checked for mentions at most. */
const MAX_NAMES = 5000;

/** Flags shown for one tool at most; past that, one more says how many were left out. */
const MAX_FLAGS = 20;

/**
 * Everything worth a flag in `definition`, a tool of `server`, given the tools and servers Airlock
 * knows of (for mentions and imitations).
 */
export function flagTool(
  server: string,
  definition: ToolDefinition,
  context: NameContext,
): ToolFlag[] {
  const flags: ToolFlag[] = [];
  for (const { where, text } of textsOf(definition)) {
    const scan = scanHidden(text);
    flags.push(...hiddenFlags(where, scan));
    // Names (the tool's, a property's) are checked for hidden characters only; the name's
    // imitations are found below.
    if (where === 'name' || where.endsWith(' (name)')) continue;
    const readable = withoutHidden(text);
    // What the tag characters spell is read too: it is what the model reads.
    const tagText = scan.tagText;
    for (const { says, pattern } of INSTRUCTION_PATTERNS) {
      const match = pattern.exec(readable) ?? pattern.exec(tagText);
      if (match) {
        flags.push({
          kind: 'instructions',
          level: 'warning',
          where,
          message: `It ${says}: "${quote(match[0])}".`,
        });
      }
    }
    const mentioned = mentionedTools(readable, server, definition.name, context.tools);
    // Another server's tool named in a description is how one server steers the use of another's
    // (shadowing); this server's own tools are named for ordinary reasons too.
    const elsewhere = mentioned.filter((known) => known.server !== server);
    const here = mentioned.filter((known) => known.server === server);
    if (elsewhere.length > 0) {
      flags.push({
        kind: 'tool_names',
        level: 'warning',
        where,
        message: `It names tools of other servers: ${elsewhere
          .map((known) => `"${quote(known.tool)}" (server "${quote(known.server)}")`)
          .join(', ')}.`,
      });
    }
    if (here.length > 0) {
      flags.push({
        kind: 'tool_names',
        level: 'note',
        where,
        message: `It names this server's ${here.length === 1 ? 'tool' : 'tools'} ${here
          .map((known) => `"${quote(known.tool)}"`)
          .join(', ')}.`,
      });
    }
  }
  const imitations = findImitations(server, definition.name, context).map(
    (imitation): ToolFlag => ({
      kind: 'lookalike_name',
      level: 'warning',
      where: 'name',
      message: imitation.message,
    }),
  );
  // An imitation first: it is the flag that says a rule does not apply.
  const all = [...imitations, ...flags];
  if (all.length <= MAX_FLAGS) return all;
  return [
    ...all.slice(0, MAX_FLAGS),
    {
      kind: all[MAX_FLAGS]!.kind,
      level: all[MAX_FLAGS]!.level,
      where: 'definition',
      message: `And ${all.length - MAX_FLAGS} more findings like these.`,
    },
  ];
}

function hiddenFlags(where: string, scan: HiddenScan): ToolFlag[] {
  if (!hidesSomething(scan)) return [];
  const flags: ToolFlag[] = [];
  if (scan.hidden.size > 0) {
    const total = [...scan.hidden.values()].reduce((a, b) => a + b, 0);
    flags.push({
      kind: 'hidden_characters',
      level: 'warning',
      where,
      message:
        `It has ${total === 1 ? 'an invisible character' : `${total} invisible characters`} (${counted(scan.hidden)})` +
        (scan.tagText === ''
          ? '.'
          : `; its tag characters spell "${quote(scan.tagText)}", which a model reads and a person does not see.`),
    });
  }
  if (scan.bidi.size > 0) {
    flags.push({
      kind: 'bidi_controls',
      level: 'warning',
      where,
      message: `It has bidirectional controls (${counted(scan.bidi)}), which change the order a person reads the text in.`,
    });
  }
  return flags;
}

function counted(points: Map<number, number>): string {
  const listed = [...points]
    .slice(0, 8)
    .map(([point, count]) =>
      count === 1 ? codePointName(point) : `${codePointName(point)} ×${count}`,
    );
  return listed.join(', ') + (points.size > 8 ? `, and ${points.size - 8} more kinds` : '');
}

function quote(text: string): string {
  return revealHidden(cutText(text.replace(/\s+/g, ' ').trim(), QUOTE_CHARS));
}

/**
 * The names of other tools `text` mentions as whole words. Only names that read as identifiers
 * count (with "_", "-" or ".", or a capital inside: "send_email", "readFile"): a tool called
 * "search" is named by every sentence about searching.
 */
function mentionedTools(
  text: string,
  server: string,
  self: string,
  tools: readonly KnownTool[],
): KnownTool[] {
  const found: KnownTool[] = [];
  const names = new Set<string>();
  // A name this server has too is read as this server's tool (two servers may run the same code).
  const own = new Set(tools.filter((known) => known.server === server).map((known) => known.tool));
  for (const known of tools.slice(0, MAX_NAMES)) {
    if (known.tool === self && known.server === server) continue;
    if (known.server !== server && own.has(known.tool)) continue;
    if (!identifierLike(known.tool)) continue;
    const key = `${known.server}\u0000${known.tool}`;
    if (names.has(key)) continue;
    if (mentions(text, known.tool)) {
      names.add(key);
      found.push(known);
    }
  }
  return found.slice(0, 10);
}

function identifierLike(name: string): boolean {
  return name.length >= 4 && (/[-_.]/.test(name) || /\p{Ll}\p{Lu}/u.test(name));
}

function mentions(text: string, name: string): boolean {
  let from = 0;
  for (;;) {
    const at = text.indexOf(name, from);
    if (at === -1) return false;
    const before = text[at - 1];
    const after = text[at + name.length];
    if (!isWordChar(before) && !isWordChar(after)) return true;
    from = at + 1;
  }
}

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && /[\p{L}\p{N}_]/u.test(char);
}

/** The strings of a definition a model reads, each with where it is; bounded in number and size. */
function textsOf(definition: ToolDefinition): { where: string; text: string }[] {
  const texts: { where: string; text: string }[] = [{ where: 'name', text: definition.name }];
  const add = (where: string, value: unknown) => {
    if (typeof value === 'string' && texts.length < MAX_STRINGS) {
      texts.push({ where, text: value.slice(0, MAX_TEXT) });
    }
  };
  add('title', definition.title);
  add('description', definition.description);
  // Keys and values alike: a property name or an enum value reaches the model too.
  const stack: { where: string; value: unknown }[] = [];
  for (const field of ['annotations', 'inputSchema', 'outputSchema'] as const) {
    stack.push({ where: field, value: definition[field] });
  }
  stack.reverse();
  while (stack.length > 0 && texts.length < MAX_STRINGS) {
    const { where, value } = stack.pop()!;
    if (typeof value === 'string') add(where, value);
    else if (value !== null && typeof value === 'object') {
      const children = Object.entries(value as Record<string, unknown>);
      for (let i = children.length - 1; i >= 0; i--) {
        const [key, child] = children[i]!;
        const path = `${where}/${key}`;
        if (!Array.isArray(value)) add(`${path} (name)`, key);
        stack.push({ where: path, value: child });
      }
    }
  }
  return texts;
}
