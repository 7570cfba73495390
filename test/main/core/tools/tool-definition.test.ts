import { describe, expect, it } from 'vitest';
import { readToolDefinition, readToolList } from '../../../../src/main/core/tools/tool-definition';

const TOOL = {
  name: 'provision_api_key',
  title: 'Provision an API key',
  description: 'Creates a key.',
  inputSchema: { type: 'object', properties: { email: { type: 'string' } } },
  outputSchema: { type: 'object' },
  annotations: { destructiveHint: true, 'x-vendor': 'kept' },
};

describe('a tool definition', () => {
  it('keeps the six pinned fields as sent, and hashes the same whatever the key order', () => {
    const seen = readToolDefinition({ ...TOOL, icons: [{ src: 'a.png' }], _meta: { x: 1 } })!;
    expect(seen.definition).toEqual(TOOL);
    const reordered = readToolDefinition({
      annotations: { 'x-vendor': 'kept', destructiveHint: true },
      outputSchema: { type: 'object' },
      inputSchema: { properties: { email: { type: 'string' } }, type: 'object' },
      description: 'Creates a key.',
      title: 'Provision an API key',
      name: 'provision_api_key',
    })!;
    expect(reordered.hash).toBe(seen.hash);
    expect(seen.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes its hash with any pinned field, an unknown annotation key included, but not with icons or _meta', () => {
    const base = readToolDefinition(TOOL)!.hash;
    const variants = [
      { ...TOOL, description: 'Creates a key. ' },
      { ...TOOL, title: 'Provision an API key!' },
      { ...TOOL, inputSchema: { type: 'object' } },
      { ...TOOL, outputSchema: undefined },
      { ...TOOL, annotations: { ...TOOL.annotations, 'x-vendor': 'changed' } },
      { ...TOOL, description: null },
    ];
    for (const variant of variants) expect(readToolDefinition(variant)!.hash).not.toBe(base);
    expect(readToolDefinition({ ...TOOL, icons: [], _meta: { y: 2 } })!.hash).toBe(base);
  });

  it('is no definition for an entry that is not a tool', () => {
    for (const entry of [null, 'echo', ['echo'], { name: 3 }, {}]) {
      expect(readToolDefinition(entry)).toBeUndefined();
    }
    expect(
      readToolList([{ name: 'a' }, null, { name: 7 }, { name: 'b' }]).map((t) => t.definition.name),
    ).toEqual(['a', 'b']);
    expect(readToolList({ name: 'a' })).toEqual([]);
  });
});
