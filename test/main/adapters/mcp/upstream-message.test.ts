import { describe, expect, it } from 'vitest';
import {
  logExcerpt,
  readUpstreamText,
  recoverResponseId,
} from '../../../../src/main/adapters/mcp/upstream/upstream-message';
import { imitatedMethod, serializeMessage } from '../../../../src/main/adapters/mcp/json-rpc';

describe('recoverResponseId', () => {
  it.each([
    [
      'the TypeScript SDK’s order',
      '{"result":{"content":[{"text":"xx',
      'xx"}]},"jsonrpc":"2.0","id":42}',
      42,
    ],
    ['the Python SDK’s order', '{"jsonrpc":"2.0","id":"req-1","result":{"a":"xx', 'xx"}}', 'req-1'],
    ['a nested id at the end', '{"result":{"x":"', '"y","item":{"id":5}}}', undefined],
    ['no id at all', '{"method":"notifications/message","params":{"x":"', 'xx"}}', undefined],
  ])('reads %s', (_name, head, tail, id) => {
    expect(recoverResponseId(head, tail)).toBe(id);
  });
});

describe('readUpstreamText', () => {
  it('tells a deep response from a deep request by its top level', () => {
    const deep = '['.repeat(500) + ']'.repeat(500);
    expect(readUpstreamText(`{"jsonrpc":"2.0","id":3,"result":${deep}}`)).toMatchObject({
      kind: 'too-deep',
      id: 3,
      isRequest: false,
    });
    expect(
      readUpstreamText(
        `{"jsonrpc":"2.0","id":4,"method":"sampling/createMessage","params":{"x":${deep}}}`,
      ),
    ).toMatchObject({ kind: 'too-deep', id: 4, isRequest: true });
    expect(readUpstreamText('hello')).toEqual({ kind: 'not-json-rpc' });
  });
});

describe('logExcerpt', () => {
  it('cuts where no key can be, so no fragment of one is left for the log', () => {
    const key = 'hitl_' + 'a'.repeat(40);
    const text = `minted ${key} ok`;
    const excerpt = logExcerpt(text, 20);
    expect(excerpt).toBe(`minted … (${text.length - 7} more characters)`);
    expect(logExcerpt('short', 20)).toBe('short');
  });
});

describe('serializeMessage', () => {
  it('writes one line, with separators other line readers split on escaped', () => {
    const text = serializeMessage({
      jsonrpc: '2.0',
      id: 1,
      method: 'ping',
      params: { a: 'x\n\r\u2028\u2029\u0085y' },
    });
    expect(text).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
    expect(JSON.parse(text)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      method: 'ping',
      params: { a: 'x\n\r\u2028\u2029\u0085y' },
    });
  });
});

describe('imitatedMethod', () => {
  it('names the decided method a near miss imitates, and leaves others alone', () => {
    expect(imitatedMethod('tools/call')).toBeUndefined();
    expect(imitatedMethod('Tools/Call')).toBe('tools/call');
    expect(imitatedMethod('tools/list\u200b')).toBe('tools/list');
    expect(imitatedMethod('resources/list')).toBeUndefined();
    expect(imitatedMethod('Resources/List')).toBeUndefined();
  });
});
