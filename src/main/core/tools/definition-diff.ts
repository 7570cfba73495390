// What changed between two definitions of a tool, field by field, as rows a person reads side by
// side: the old text on the left, the new on the right, line by line. Strings are shown as text and
// schemas as indented JSON with sorted keys; hidden characters are written as escapes, so a change
// made of invisible characters is visible. Sizes are bounded: a server may send megabytes.
import { cutText } from '../../../shared/cut-text';
import { canonicalJson, sortKeys } from '../calls/canonical-json';
import { revealHidden } from './hidden-text';
import { DEFINITION_FIELDS, type DiffRow, type FieldDiff } from '../../../shared/model/tools';
import type { ToolDefinition } from './tool-definition';

/** Unchanged lines shown around each change. */
const CONTEXT_LINES = 3;
/** Lines of one field's text compared; the rest is summed up in one line. */
const MAX_LINES = 2000;
/** Characters of one line shown. */
const MAX_LINE_CHARS = 2000;
/** Past this many cells, lines are paired in order instead of aligned on what they share. */
const MAX_ALIGN_CELLS = 1_000_000;
/**
 * Characters of line text in one diff, all fields together: each held call of a changed tool
 * carries its diff to every open window, so a server that sends megabytes cannot make that heavy.
 */
const MAX_DIFF_CHARS = 200_000;

const BEYOND_SHOWN = '… (this field also differs past the part shown)';

/** The fields that differ between `before` and `after`, in DEFINITION_FIELDS order. */
export function diffDefinitions(before: ToolDefinition, after: ToolDefinition): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  let budget = MAX_DIFF_CHARS;
  for (const field of DEFINITION_FIELDS) {
    if (canonicalJson(before[field]) === canonicalJson(after[field])) continue;
    const old = fieldLines(before[field]);
    const now = fieldLines(after[field]);
    const rows = withContext(alignLines(old, now));
    // Changed past the lines or characters shown: say so rather than show no change.
    if (!rows.some((row) => row.kind !== 'same' && row.kind !== 'skipped')) {
      rows.push({ kind: 'changed', before: BEYOND_SHOWN, after: BEYOND_SHOWN });
    }
    let kept = 0;
    while (kept < rows.length && budget > 0) budget -= rowChars(rows[kept++]!);
    if (kept < rows.length)
      rows.splice(kept, rows.length - kept, { kind: 'cut', rows: rows.length - kept });
    diffs.push({ field, rows });
  }
  return diffs;
}

function rowChars(row: DiffRow): number {
  switch (row.kind) {
    case 'same':
      return row.text.length;
    case 'changed':
      return row.before.length + row.after.length;
    case 'removed':
      return row.before.length;
    case 'added':
      return row.after.length;
    default:
      return 0;
  }
}

/** A field's value as the lines a person reads; none when the field is absent. */
function fieldLines(value: unknown): string[] {
  if (value === undefined) return [];
  const text = typeof value === 'string' ? value : JSON.stringify(sortKeys(value), null, 2);
  const lines = text.split(/\r\n|\r|\n/);
  const kept = lines.slice(0, MAX_LINES).map((line) => revealHidden(cutText(line, MAX_LINE_CHARS)));
  if (lines.length > MAX_LINES) kept.push(`… (${lines.length - MAX_LINES} more lines)`);
  return kept;
}

type Op = { kind: 'same'; text: string } | { kind: 'removed' | 'added'; text: string };

/**
 * The rows from `old` to `now`: lines both share stay put (a longest common subsequence), and a
 * run of removed lines followed by added ones is paired into changed rows, as a side-by-side view
 * shows them.
 */
function alignLines(old: string[], now: string[]): DiffRow[] {
  let start = 0;
  while (start < old.length && start < now.length && old[start] === now[start]) start++;
  let endOld = old.length;
  let endNow = now.length;
  while (endOld > start && endNow > start && old[endOld - 1] === now[endNow - 1]) {
    endOld--;
    endNow--;
  }
  const ops: Op[] = old.slice(0, start).map((text) => ({ kind: 'same', text }));
  ops.push(...middleOps(old.slice(start, endOld), now.slice(start, endNow)));
  ops.push(...old.slice(endOld).map((text): Op => ({ kind: 'same', text })));
  return pairRuns(ops);
}

function middleOps(old: string[], now: string[]): Op[] {
  if (old.length * now.length > MAX_ALIGN_CELLS) {
    return [
      ...old.map((text): Op => ({ kind: 'removed', text })),
      ...now.map((text): Op => ({ kind: 'added', text })),
    ];
  }
  // lengths[i][j]: the longest common subsequence of old[i..] and now[j..].
  const width = now.length + 1;
  const lengths = new Uint32Array((old.length + 1) * width);
  for (let i = old.length - 1; i >= 0; i--) {
    for (let j = now.length - 1; j >= 0; j--) {
      lengths[i * width + j] =
        old[i] === now[j]
          ? lengths[(i + 1) * width + j + 1]! + 1
          : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < old.length && j < now.length) {
    if (old[i] === now[j]) {
      ops.push({ kind: 'same', text: old[i]! });
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) {
      ops.push({ kind: 'removed', text: old[i++]! });
    } else {
      ops.push({ kind: 'added', text: now[j++]! });
    }
  }
  while (i < old.length) ops.push({ kind: 'removed', text: old[i++]! });
  while (j < now.length) ops.push({ kind: 'added', text: now[j++]! });
  return ops;
}

function pairRuns(ops: Op[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let index = 0;
  while (index < ops.length) {
    const op = ops[index]!;
    if (op.kind === 'same') {
      rows.push({ kind: 'same', text: op.text });
      index++;
      continue;
    }
    const removed: string[] = [];
    const added: string[] = [];
    while (index < ops.length && ops[index]!.kind !== 'same') {
      const change = ops[index++]!;
      (change.kind === 'removed' ? removed : added).push(change.text);
    }
    const paired = Math.min(removed.length, added.length);
    for (let k = 0; k < paired; k++) {
      rows.push({ kind: 'changed', before: removed[k]!, after: added[k]! });
    }
    for (const before of removed.slice(paired)) rows.push({ kind: 'removed', before });
    for (const after of added.slice(paired)) rows.push({ kind: 'added', after });
  }
  return rows;
}

/** Keeps CONTEXT_LINES unchanged lines around each change and counts the rest. */
function withContext(rows: DiffRow[]): DiffRow[] {
  const near = rows.map(() => false);
  rows.forEach((row, index) => {
    if (row.kind === 'same') return;
    const from = Math.max(0, index - CONTEXT_LINES);
    const to = Math.min(rows.length - 1, index + CONTEXT_LINES);
    for (let k = from; k <= to; k++) near[k] = true;
  });
  const kept: DiffRow[] = [];
  let skipped = 0;
  rows.forEach((row, index) => {
    if (row.kind !== 'same' || near[index]) {
      if (skipped > 0) kept.push({ kind: 'skipped', lines: skipped });
      skipped = 0;
      kept.push(row);
    } else skipped++;
  });
  if (skipped > 0) kept.push({ kind: 'skipped', lines: skipped });
  return kept;
}
