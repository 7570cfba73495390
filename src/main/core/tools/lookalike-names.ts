// Tool names that imitate another tool's: equal but for case, compatibility forms (full-width,
// ligatures), invisible characters or letters from another script drawn alike, or carrying another
// server's id as a prefix ("meatspace_provision_api_key" on a server that is not meatspace). Rules
// match tool names exactly (see resolve-rule.ts), so an imitation is never decided by the rule of
// the tool it imitates; this finds them so the Servers screen can say so.
import { withoutHidden } from './hidden-text';

/** Cyrillic and Greek letters drawn like Latin ones, each above the Latin letter it imitates. */
const LOOKALIKES = 'асеіјорѕтхуӏһԁԛԝɡıαειкνορτυχ';
const LATIN_FORMS = 'aceijopstxylhdqwgiaeikvoptux';
const CONFUSABLE = new RegExp(`[${LOOKALIKES}]`, 'gu');
/** Drawn alike in many fonts: after the above, these stand for one another. */
const SAME_SHAPE: Record<string, string> = { '1': 'l', i: 'l', '0': 'o' };
/** Separators people read past: "provision-api-key" reads as "provision_api_key". */
const SEPARATORS = /[-_.]+/g;
/** How a server's id can be put before a tool name to pass for that server's tool. */
const PREFIX_SEPARATORS = /^[-_.:/\s]+/u;

/**
 * The name as a person reads it: compatibility forms folded (NFKC), invisible characters and
 * spaces dropped, lower case, look-alike letters and separators folded together. Two names with the
 * same skeleton are hard to tell apart.
 */
export function nameSkeleton(name: string): string {
  return withoutHidden(name.normalize('NFKC'))
    .replace(/[\p{Z}\s]/gu, '')
    .toLowerCase()
    .replace(CONFUSABLE, (char) => LATIN_FORMS.charAt(LOOKALIKES.indexOf(char)))
    .replace(/[10i]/g, (char) => SAME_SHAPE[char]!)
    .replace(SEPARATORS, '_');
}

export interface KnownTool {
  server: string;
  tool: string;
}

export interface Imitation {
  /** The tool imitated, and its server (absent for a name a policy rule names). */
  tool?: string;
  server: string;
  how: 'case' | 'invisible_or_compatibility' | 'lookalike_letters' | 'server_prefix';
  message: string;
}

export interface NameContext {
  /** Every tool Airlock knows of, on every server (this one's included). */
  tools: readonly KnownTool[];
  /** Every configured server's id. */
  servers: readonly string[];
  /** Tool names this server's policy has rules for. */
  ruleNames: readonly string[];
}

/**
 * What `tool` of `server` imitates, if anything: another tool whose name it nearly equals (on any
 * server, or named by its policy's rules), or another server's prefix.
 */
export function findImitations(server: string, tool: string, context: NameContext): Imitation[] {
  const found: Imitation[] = [];
  const skeleton = nameSkeleton(tool);
  const seen = new Set<string>();
  const imitated = (other: string, otherServer: string, byRule: boolean) => {
    if (other === tool || nameSkeleton(other) !== skeleton) return;
    const key = `${otherServer}\u0000${other}`;
    if (seen.has(key)) return;
    seen.add(key);
    const how = howAlike(tool, other);
    const whose = byRule
      ? `the tool "${other}" that this server's policy has a rule for`
      : otherServer === server
        ? `this server's tool "${other}"`
        : `server "${otherServer}"'s tool "${other}"`;
    found.push({
      ...(byRule ? {} : { tool: other }),
      server: otherServer,
      how,
      message: `Its name imitates ${whose} (${HOW_WORDS[how]}); a rule for "${other}" does not apply to it.`,
    });
  };
  for (const known of context.tools) imitated(known.tool, known.server, false);
  for (const rule of context.ruleNames) imitated(rule, server, true);

  for (const other of context.servers) {
    if (other === server) continue;
    const prefix = nameSkeleton(other);
    if (prefix === '' || !skeleton.startsWith(prefix)) continue;
    const rest = tool.normalize('NFKC').slice(afterPrefix(tool, prefix));
    const restName = rest.replace(PREFIX_SEPARATORS, '');
    if (restName === rest || restName === '') continue; // "meatspacex" is not a prefix
    const target = context.tools.find(
      (known) => known.server === other && nameSkeleton(known.tool) === nameSkeleton(restName),
    );
    found.push({
      ...(target ? { tool: target.tool } : {}),
      server: other,
      how: 'server_prefix',
      message: target
        ? `Its name puts server "${other}"'s id before "${target.tool}", a tool of that server; it is not that tool, and a rule for it does not apply.`
        : `Its name starts with server "${other}"'s id, as if it were one of that server's tools; it is not.`,
    });
  }
  return found;
}

const HOW_WORDS: Record<Imitation['how'], string> = {
  case: 'it differs only in upper and lower case',
  invisible_or_compatibility: 'it differs only in invisible characters, spaces or character forms',
  lookalike_letters: 'it uses letters from another script, or separators, that look alike',
  server_prefix: "it carries another server's prefix",
};

function howAlike(name: string, other: string): Imitation['how'] {
  if (name.toLowerCase() === other.toLowerCase()) return 'case';
  const plain = (text: string) =>
    withoutHidden(text.normalize('NFKC'))
      .replace(/[\p{Z}\s]/gu, '')
      .toLowerCase();
  if (plain(name) === plain(other)) return 'invisible_or_compatibility';
  return 'lookalike_letters';
}

/** Where the prefix whose skeleton is `prefix` ends in `name` (NFKC), in UTF-16 units. */
function afterPrefix(name: string, prefix: string): number {
  const normal = name.normalize('NFKC');
  let end = 0;
  for (const char of normal) {
    end += char.length;
    if (nameSkeleton(normal.slice(0, end)) === prefix) {
      // Take in any invisible characters that fold away after it, but no separator.
      return end;
    }
  }
  return normal.length;
}
