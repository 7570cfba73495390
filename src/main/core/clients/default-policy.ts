// The policy a server imported by Protect starts under: tools its server marks read-only are
// allowed, every other tool (and any it adds later) waits for a person. The person sees and changes
// it on Policies. The annotations come from the server, so they are only believed in the safe
// direction: a tool that says it is both read-only and destructive is held.
import { asObject } from '../json-values';

/** A tool as tools/list gave it; only its name and annotations are read. */
export interface AnnotatedTool {
  name: string;
  annotations?: unknown;
}

export interface DefaultPolicy {
  text: string;
  allowed: string[];
  needsApproval: string[];
}

/** More tools than this are left to `default` (which holds them too); no real server has that many. */
const MAX_LISTED_TOOLS = 1000;
/** A longer name is left to `default` too, rather than fill the file. */
const MAX_TOOL_NAME = 200;

export const HELD_REASON = 'Its server does not mark it read-only, so a person decides each call';

function isReadOnly(tool: AnnotatedTool): boolean {
  const annotations = asObject(tool.annotations);
  return annotations?.['readOnlyHint'] === true && annotations['destructiveHint'] !== true;
}

/** The policy text for a server offering `tools` (none when they could not be listed). */
export function defaultPolicy(tools: readonly AnnotatedTool[]): DefaultPolicy {
  const allowed: string[] = [];
  const needsApproval: string[] = [];
  const rules: [string, Record<string, string>][] = [];
  const seen = new Set<string>();
  for (const tool of tools) {
    const name = tool.name;
    if (typeof name !== 'string' || name.length > MAX_TOOL_NAME || seen.has(name)) continue;
    if (seen.size >= MAX_LISTED_TOOLS) break;
    seen.add(name);
    if (isReadOnly(tool)) {
      allowed.push(name);
      rules.push([name, { action: 'allow' }]);
    } else {
      needsApproval.push(name);
      rules.push([name, { action: 'require_approval', reason: HELD_REASON }]);
    }
  }
  // In the server's order; Object.fromEntries keeps a tool named "__proto__" as an ordinary key.
  const policy = { version: '1', default: 'require_approval', tools: Object.fromEntries(rules) };
  return { text: JSON.stringify(policy, null, 2) + '\n', allowed, needsApproval };
}
