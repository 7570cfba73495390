// What editing a person's JSON file in place needs (config.json, a client's MCP config): its own
// indentation and line ends for what is written, and a line and column to point at a problem.
import type { FormattingOptions } from 'jsonc-parser';

/** Indents new entries the way the file already is, so an edit does not reformat its neighbours. */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /^([ \t]+)\S/m.exec(text)?.[1];
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  const size = indent === undefined ? 2 : Math.min(Math.max(indent.length, 1), 8);
  return { insertSpaces: true, tabSize: size, eol };
}

/** The 1-based line and column of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
