// An export's text as the bytes of its JSON string literal: what the history's worker hands the
// proxy's thread, and what the desktop's IPC turns back into a string.
import { describe, expect, it } from 'vitest';
import { JsonStringBytes, withTexts } from '../../../../src/main/core/history/json-string-bytes';

describe('JsonStringBytes', () => {
  it.each([
    ['plain ASCII', 'id,tool\n1,read_file\n'],
    ['quotes, backslashes and control characters', 'a"b\\c\n\t\u0000\u001f'],
    ['U+2028, Latin-1, other scripts and an astral character', '\u2028 café 日本語 😀'],
    ['a lone surrogate', 'half \ud83d of an emoji'],
  ])('gives back %s exactly', (_label, text) => {
    const encoded = JsonStringBytes.encode(text);
    expect(encoded.text()).toBe(text);
    // The bytes are a JSON string literal in UTF-8, so a client reading the answer gets the text.
    expect(JSON.parse(Buffer.from(encoded.bytes).toString('utf8'))).toBe(text);
  });

  it('survives being moved to another thread as bytes', () => {
    const encoded = JsonStringBytes.encode('rows: "1"\n😀');
    const moved = structuredClone(encoded.bytes, {
      transfer: [encoded.bytes.buffer as ArrayBuffer],
    });
    expect(JsonStringBytes.fromEncoded(moved).text()).toBe('rows: "1"\n😀');
  });
});

describe('withTexts', () => {
  it('turns each top-level JsonStringBytes into its text and leaves everything else', () => {
    const output = { filename: 'a.csv', content: JsonStringBytes.encode('x,y\n'), rows: 1 };
    expect(withTexts(output)).toEqual({ filename: 'a.csv', content: 'x,y\n', rows: 1 });
  });

  it('hands back the very value when it holds none', () => {
    const output = { rows: 1, nested: { content: 'text' } };
    expect(withTexts(output)).toBe(output);
    expect(withTexts(null)).toBeNull();
    expect(withTexts(['a'])).toEqual(['a']);
  });
});
