// A line diff of two texts (the policy file as saved and the draft), for the review before a save:
// the longest common subsequence of lines after the common head and tail are set aside, shown in
// hunks with a few lines of context around each change.

export type DiffLine =
  | { kind: 'same'; text: string; before: number; after: number }
  | { kind: 'removed'; text: string; before: number }
  | { kind: 'added'; text: string; after: number };

/** Unchanged lines left out between hunks. */
export interface DiffGap {
  kind: 'gap';
  lines: number;
}

/**
 * Past this many cells (lines before × lines after, between the common head and tail) the middle
 * is shown as removed then added rather than matched line by line: a policy edit is a few lines,
 * and this keeps a pasted-over megabyte from holding the page.
 */
const MAX_CELLS = 1_000_000;

/** Every line of both texts in order, 1-based line numbers; a final newline adds no line. */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++;
  }
  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push(same(a, i, i));
  out.push(...middle(a, b, head, a.length - tail, head, b.length - tail));
  for (let k = tail; k > 0; k--) out.push(same(a, a.length - k, b.length - k));
  return out;
}

/** The changes with `context` unchanged lines around each; longer unchanged runs become gaps. */
export function diffHunks(lines: readonly DiffLine[], context = 3): (DiffLine | DiffGap)[] {
  const near = new Array<boolean>(lines.length).fill(false);
  lines.forEach((line, i) => {
    if (line.kind === 'same') return;
    for (let j = Math.max(0, i - context); j <= Math.min(lines.length - 1, i + context); j++) {
      near[j] = true;
    }
  });
  const out: (DiffLine | DiffGap)[] = [];
  let skipped = 0;
  lines.forEach((line, i) => {
    if (near[i]) {
      if (skipped > 0) out.push({ kind: 'gap', lines: skipped });
      skipped = 0;
      out.push(line);
    } else {
      skipped++;
    }
  });
  if (skipped > 0 && out.length > 0) out.push({ kind: 'gap', lines: skipped });
  return out;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function same(a: readonly string[], i: number, j: number): DiffLine {
  return { kind: 'same', text: a[i]!, before: i + 1, after: j + 1 };
}

/** a[aFrom, aTo) against b[bFrom, bTo), by the longest common subsequence of lines. */
function middle(
  a: readonly string[],
  b: readonly string[],
  aFrom: number,
  aTo: number,
  bFrom: number,
  bTo: number,
): DiffLine[] {
  const n = aTo - aFrom;
  const m = bTo - bFrom;
  const removed = (i: number): DiffLine => ({ kind: 'removed', text: a[i]!, before: i + 1 });
  const added = (j: number): DiffLine => ({ kind: 'added', text: b[j]!, after: j + 1 });
  if (n * m > MAX_CELLS || n === 0 || m === 0) {
    const out: DiffLine[] = [];
    for (let i = aFrom; i < aTo; i++) out.push(removed(i));
    for (let j = bFrom; j < bTo; j++) out.push(added(j));
    return out;
  }
  // lcs[i][j]: the longest common subsequence of a's lines from i and b's from j (suffixes).
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[aFrom + i] === b[bFrom + j]
          ? lcs[(i + 1) * width + j + 1]! + 1
          : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[aFrom + i] === b[bFrom + j]) {
      out.push(same(a, aFrom + i, bFrom + j));
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) {
      // Removals before additions, as a reader expects a replaced line to read.
      out.push(removed(aFrom + i));
      i++;
    } else {
      out.push(added(bFrom + j));
      j++;
    }
  }
  for (; i < n; i++) out.push(removed(aFrom + i));
  for (; j < m; j++) out.push(added(bFrom + j));
  return out;
}
