import { describe, expect, it } from 'vitest';
import { LineReader } from '../../../../src/main/adapters/mcp/upstream/line-reader';

function reader(maxBytes: number) {
  const lines: string[] = [];
  const oversized: { bytes: number; head: string; tail: string }[] = [];
  const lineReader = new LineReader(maxBytes, {
    line: (text) => lines.push(text),
    oversized: (bytes, head, tail) => oversized.push({ bytes, head, tail }),
  });
  return { lineReader, lines, oversized };
}

describe('LineReader', () => {
  it('splits lines across chunks, and a character split between chunks stays whole', () => {
    const { lineReader, lines } = reader(1024);
    const text = Buffer.from('{"a":"é"}\n{"b":2}\n{"c"');
    lineReader.push(text.subarray(0, 7)); // inside the two bytes of é
    lineReader.push(text.subarray(7));
    lineReader.push(Buffer.from(':3}\n'));
    expect(lines).toEqual(['{"a":"é"}', '{"b":2}', '{"c":3}']);
  });

  it('drops a line over the cap, keeping its first and last bytes, and reads the next one whole', () => {
    const { lineReader, lines, oversized } = reader(64 * 1024);
    lineReader.push(Buffer.from('{"jsonrpc":"2.0","id":7,"result":"'));
    for (let i = 0; i < 100; i++) lineReader.push(Buffer.alloc(10_000, 'x'));
    lineReader.push(Buffer.from('"}\n{"next":true}\n'));
    expect(oversized).toHaveLength(1);
    expect(oversized[0]!.bytes).toBe(1_000_036);
    expect(oversized[0]!.head.startsWith('{"jsonrpc":"2.0","id":7,')).toBe(true);
    expect(oversized[0]!.tail.endsWith('xx"}')).toBe(true);
    expect(lines).toEqual(['{"next":true}']);
  });

  it('turns bytes that are not UTF-8 into replacement characters', () => {
    const { lineReader, lines } = reader(1024);
    lineReader.push(Buffer.from([0x61, 0xff, 0x62, 0x0a]));
    expect(lines).toEqual(['a\uFFFDb']);
  });
});
