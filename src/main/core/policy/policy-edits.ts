// Edits to a policy file's text that the app makes for the person: each changes only the spot it
// must, through jsonc-parser, so the file keeps its formatting, comments and key order.
import { applyEdits, findNodeAtLocation, getNodeValue, modify, parseTree } from 'jsonc-parser';

/**
 * The policy text with `tool` allowed for `grant`, as a grant override that keeps the tool's
 * argument rules and limits.
 */
export function allowToolForGrant(text: string, grant: string, tool: string): string {
  const root = parseTree(text);
  const ruleNode = root
    ? (findNodeAtLocation(root, ['grants', grant, 'tools', tool]) ??
      findNodeAtLocation(root, ['tools', tool]))
    : undefined;
  const current = ruleNode ? (getNodeValue(ruleNode) as Record<string, unknown> | null) : null;
  // An allowed call is never held, so its approval timeout would mean nothing.
  const { approval: _approval, ...kept } = current ?? {};
  const rule = { ...kept, action: 'allow' };
  const edits = modify(text, ['grants', grant, 'tools', tool], rule, {
    formattingOptions: { insertSpaces: true, tabSize: 2 },
  });
  return applyEdits(text, edits);
}

export type GrantRename =
  | { changed: false }
  | { changed: true; text: string }
  /** The file already has rules for the new name; merging two grants' rules is the person's call. */
  | { conflict: true };

/** Renames the key of `grants.<from>` to `to`, leaving the rules under it byte for byte. */
export function renameGrantOverrides(text: string, from: string, to: string): GrantRename {
  const root = parseTree(text);
  const rules = root ? findNodeAtLocation(root, ['grants', from]) : undefined;
  if (!root || !rules) return { changed: false };
  if (findNodeAtLocation(root, ['grants', to])) return { conflict: true };
  // The value node's parent is the property; its first child is the key string.
  const key = rules.parent?.children?.[0];
  if (!key) return { changed: false };
  return {
    changed: true,
    text: text.slice(0, key.offset) + JSON.stringify(to) + text.slice(key.offset + key.length),
  };
}
