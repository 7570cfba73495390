import { describe, expect, it } from 'vitest';
import {
  escapePointerToken,
  formatProblems,
  parseJsonDocument,
  pointer,
} from '../../../src/main/core/json-problems';

describe('formatProblems', () => {
  it('prints file:line:column, the pointer and the message, one problem per line', () => {
    expect(
      formatProblems('policies/meatspace.json', [
        { path: '/default', message: 'must be one of "allow"', line: 3, column: 14 },
        { path: '', message: 'missing required key "version"', line: 1, column: 1 },
      ]),
    ).toBe(
      'policies/meatspace.json:3:14  /default  must be one of "allow"\n' +
        'policies/meatspace.json:1:1  (root)  missing required key "version"',
    );
  });
});

describe('JSON Pointers', () => {
  it('escape "~" and "/" as RFC 6901 says', () => {
    expect(escapePointerToken('a~b/c')).toBe('a~0b~1c');
    expect(pointer('tools', 'x/y', 'limits', 0)).toBe('/tools/x~1y/limits/0');
  });
});

describe('parseJsonDocument', () => {
  it('accepts a byte order mark and does not count it as a column', () => {
    expect(parseJsonDocument('\uFEFF{"a": 1}')).toMatchObject({
      ok: true,
      doc: { value: { a: 1 } },
    });
    expect(parseJsonDocument('\uFEFF{"a": 1,}')).toMatchObject({
      ok: false,
      errors: [{ line: 1, column: 9 }],
    });
  });

  it('locates errors on lines ended by CRLF', () => {
    const result = parseJsonDocument('{\r\n  "a": 1,\r\n}');
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: '', message: 'trailing commas are not allowed in JSON', line: 3, column: 1 },
      ],
    });
  });

  it('reports every syntax error it can find', () => {
    const result = parseJsonDocument('{\n  "a": 1 // one\n  "b": /* two */ 2\n}');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.filter((e) => e.message === 'comments are not allowed in JSON')).toEqual(
        [
          expect.objectContaining({ line: 2, column: 10 }),
          expect.objectContaining({ line: 3, column: 8 }),
        ],
      );
    }
  });
});
