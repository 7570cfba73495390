// How text from agents, servers and policy files is put on screen: bidirectional controls shown
// as escapes, and huge values cut.
import { describe, expect, it } from 'vitest';
import { cutText, shown } from '../../../src/renderer/src/components/shown-text';
import { prettyJson } from '../../../src/renderer/src/features/activity/format-call';

const CONTROLS = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
];

describe('shown', () => {
  it('writes every embedding, override and isolate as its escape', () => {
    for (const control of CONTROLS) {
      const text = shown(`a${control}b`);
      expect(text).toBe(`a\\u${control.charCodeAt(0).toString(16)}b`);
    }
  });

  it('leaves right-to-left text and its marks as they are', () => {
    expect(shown('שלום\u200f world')).toBe('שלום\u200f world');
  });

  it('cuts a long text, saying how much more there is', () => {
    expect(shown('x'.repeat(1_048_576), 10)).toBe('xxxxxxxxxx… (1,048,566 more characters)');
    expect(shown('short', 10)).toBe('short');
  });

  it('never cuts a character in half', () => {
    expect(cutText('ab😀cd', 3)).toBe('ab… (4 more characters)');
  });
});

describe('prettyJson', () => {
  it('writes bidirectional controls as JSON escapes, in JSON and in text that is not JSON', () => {
    const json = JSON.stringify({ path: 'invoice\u202efdp.exe' });
    expect(prettyJson(json)).toBe('{\n  "path": "invoice\\u202efdp.exe"\n}');
    expect(JSON.parse(prettyJson(json))).toEqual(JSON.parse(json));
    expect(prettyJson('{"cut": "abc\u2067')).toBe('{"cut": "abc\\u2067');
  });
});
