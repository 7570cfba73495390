import { describe, expect, it } from 'vitest';
import {
  emptyForm,
  formFromDraft,
  formFromPaste,
  requestFromForm,
  splitArgs,
} from '../../../../src/renderer/src/features/servers/server-form';

describe('the server form', () => {
  it('takes one argument per line, as written', () => {
    expect(splitArgs('-y\r\n@scope/server\n\n  --root /my files  \n')).toEqual([
      '-y',
      '@scope/server',
      '  --root /my files  ',
    ]);
  });

  it('builds a stdio entry, leaving out blank fields and sending kept keys by name', () => {
    const values = {
      ...formFromDraft({
        id: 'gh',
        transport: 'stdio',
        command: 'npx',
        args: ['-y', 'server'],
        envKeys: ['TOKEN'],
        headerKeys: [],
      }),
    };
    values.env = [
      ...values.env,
      { key: ' MODE ', value: 'x', kept: false },
      { key: '', value: 'y', kept: false },
    ];
    expect(requestFromForm(values)).toEqual({
      config: { command: 'npx', args: ['-y', 'server'], env: { MODE: 'x' } },
      keep: { env: ['TOKEN'], headers: [] },
    });
  });

  it('builds HTTP and SSE entries in the Claude Desktop shape', () => {
    const http = { ...emptyForm(), transport: 'http' as const, url: ' https://x/mcp ' };
    expect(requestFromForm(http).config).toEqual({ url: 'https://x/mcp' });
    const sse = {
      ...http,
      transport: 'sse' as const,
      headers: [{ key: 'A', value: 'b', kept: false }],
    };
    expect(requestFromForm(sse).config).toEqual({
      transport: 'sse',
      url: 'https://x/mcp',
      headers: { A: 'b' },
    });
  });

  it('reads a bare entry, a named one and a whole mcpServers block', () => {
    const current = { ...emptyForm(), id: 'mine' };
    const bare = formFromPaste('{"command": "uvx", "args": ["srv"], "env": {"K": "v"}}', current);
    expect(bare).toMatchObject({
      ok: true,
      values: {
        id: 'mine',
        transport: 'stdio',
        command: 'uvx',
        args: 'srv',
        env: [{ key: 'K', value: 'v' }],
      },
    });
    const named = formFromPaste('{"remote": {"type": "sse", "url": "http://h/sse"}}', current);
    expect(named).toMatchObject({
      ok: true,
      values: { id: 'remote', transport: 'sse', url: 'http://h/sse' },
    });
    const block = formFromPaste(
      '{"mcpServers": {"a": {"command": "x"}, "b": {"command": "y"}}}',
      current,
    );
    expect(block).toMatchObject({
      ok: true,
      values: { id: 'a' },
      note: 'Took "a", the first of 2 servers.',
    });
  });

  it('says what is wrong with a paste it cannot use', () => {
    expect(formFromPaste('{nope', emptyForm())).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Not JSON/),
    });
    expect(formFromPaste('[1]', emptyForm())).toEqual({ ok: false, error: 'Paste a JSON object.' });
    expect(formFromPaste('{"a": 1}', emptyForm())).toEqual({
      ok: false,
      error: 'No server entry found: expected "command" or "url".',
    });
  });
});
