import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  diffHunks,
  diffLines,
  type DiffLine,
} from '../../../../src/renderer/src/features/policies/line-diff';
import { fuzzRuns } from '../../../helpers/fuzz-runs';

const sides = (lines: DiffLine[]) => ({
  before: lines.filter((l) => l.kind !== 'added').map((l) => l.text),
  after: lines.filter((l) => l.kind !== 'removed').map((l) => l.text),
});

/** The length of the longest common subsequence, the textbook way. */
function lcsLength(a: string[], b: string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = x === b[j - 1] ? diagonal + 1 : Math.max(row[j]!, row[j - 1]!);
      diagonal = up;
    }
  }
  return row[b.length]!;
}

describe('the line diff of a policy edit', () => {
  it('marks a changed line as removed then added, numbered on each side', () => {
    const before = '{\n  "default": "deny",\n  "tools": {}\n}\n';
    const after = '{\n  "default": "allow",\n  "tools": {}\n}\n';
    expect(diffLines(before, after)).toEqual([
      { kind: 'same', text: '{', before: 1, after: 1 },
      { kind: 'removed', text: '  "default": "deny",', before: 2 },
      { kind: 'added', text: '  "default": "allow",', after: 2 },
      { kind: 'same', text: '  "tools": {}', before: 3, after: 3 },
      { kind: 'same', text: '}', before: 4, after: 4 },
    ]);
  });

  it('shows a few lines of context around each change and counts the rest', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const after = [...before];
    after[9] = 'changed';
    const hunks = diffHunks(diffLines(before.join('\n'), after.join('\n')), 2);
    expect(hunks.map((h) => (h.kind === 'gap' ? `(${h.lines})` : `${h.kind} ${h.text}`))).toEqual([
      '(7)',
      'same line 8',
      'same line 9',
      'removed line 10',
      'added changed',
      'same line 11',
      'same line 12',
      '(8)',
    ]);
    expect(diffHunks(diffLines('a\nb', 'a\nb'))).toEqual([]);
  });

  it('shows a file that did not exist as every line added', () => {
    expect(diffLines('', '{\n}\n').map((l) => l.kind)).toEqual(['added', 'added']);
  });

  it('keeps both texts and matches as many lines as can be matched', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', '{', '}'), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const diff = diffLines(a.join('\n'), b.join('\n'));
        expect(sides(diff)).toEqual({ before: a, after: b });
        expect(diff.filter((l) => l.kind === 'same')).toHaveLength(lcsLength(a, b));
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('still gives a correct diff of two texts too large to match line by line', () => {
    const a = Array.from({ length: 1500 }, (_, i) => `a${i}`);
    const b = ['head', ...Array.from({ length: 1500 }, (_, i) => `b${i}`), 'tail'];
    expect(sides(diffLines(a.join('\n'), b.join('\n')))).toEqual({ before: a, after: b });
  });
});
