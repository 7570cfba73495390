import { describe, expect, it } from 'vitest';
import {
  ArgsSchemaCompiler,
  MAX_VALUES_LISTING_ALL_PROBLEMS,
} from '../../../../src/main/core/policy/args-schema';
import type { ArgsValidator } from '../../../../src/main/core/policy/types';

function compile(schema: Record<string, unknown>): ArgsValidator {
  const compiled = new ArgsSchemaCompiler().compile(schema, '/tools/t/args');
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  return compiled.validate;
}

describe('argument rules against large arguments', () => {
  const strings = compile({
    type: 'object',
    properties: { tags: { type: 'array', maxItems: 3, items: { type: 'string' } } },
  });

  it('lists every problem of arguments up to the cap', () => {
    const tags = Array.from({ length: MAX_VALUES_LISTING_ALL_PROBLEMS - 2 }, () => 0);
    const check = strings({ tags });
    expect(check.ok).toBe(false);
    // maxItems, and each item of the wrong type.
    expect(!check.ok && check.problems).toHaveLength(tags.length + 1);
  });

  it('stops at the first problem of arguments past it, whatever they hold', () => {
    // An agent's four megabytes can be a million wrong items: a million problems to build and
    // fold, where the refusal quotes five.
    const check = strings({ tags: Array.from({ length: 1_000_000 }, () => 0) });
    expect(check).toEqual({
      ok: false,
      problems: [expect.objectContaining({ path: expect.stringMatching(/^\/tags/) })],
    });
    expect(strings({ tags: Array.from({ length: 3 }, () => 'x') })).toEqual({ ok: true });
  });

  it('decides alike under and past the cap', () => {
    const many = Array.from({ length: MAX_VALUES_LISTING_ALL_PROBLEMS }, (_, i) => `t${i}`);
    const unbounded = compile({ type: 'object', properties: { tags: { type: 'array' } } });
    expect(unbounded({ tags: many })).toEqual({ ok: true });
    expect(unbounded({ tags: [...many, 'one more'] })).toEqual({ ok: true });
  });
});

describe('uniqueItems', () => {
  const unique = compile({ type: 'object', properties: { list: { uniqueItems: true } } });
  const uniqueStrings = compile({
    type: 'object',
    properties: { list: { type: 'array', items: { type: 'string' }, uniqueItems: true } },
  });

  it.each([
    ['two "__proto__" strings', ['a', '__proto__', '__proto__']],
    ['two "constructor" strings', ['constructor', 'constructor']],
  ])('sees %s as duplicates', (_kind, list) => {
    expect(uniqueStrings({ list })).toMatchObject({ ok: false });
    expect(unique({ list })).toMatchObject({ ok: false });
  });

  it('compares items as JSON values: key order and 1.0 do not matter, types do', () => {
    expect(
      unique({
        list: [
          { a: 1, b: [1, { c: 2 }] },
          { b: [1, { c: 2 }], a: 1.0 },
        ],
      }),
    ).toEqual({
      ok: false,
      problems: [
        { path: '/list', message: 'must not contain duplicates (items 0 and 1 are equal)' },
      ],
    });
    expect(unique({ list: [1, '1', [1], { 1: 1 }, true, null, 0] })).toEqual({ ok: true });
    expect(unique({ list: [0, -0] })).toMatchObject({ ok: false });
  });

  it('names the first repeated pair, and lets duplicates through when it is false', () => {
    expect(unique({ list: ['x', 'y', 'z', 'y', 'x'] })).toMatchObject({
      problems: [{ message: 'must not contain duplicates (items 1 and 3 are equal)' }],
    });
    const allowed = compile({ type: 'object', properties: { list: { uniqueItems: false } } });
    expect(allowed({ list: [1, 1] })).toEqual({ ok: true });
  });

  it('checks a hundred thousand distinct objects in one pass', () => {
    const list = Array.from({ length: 100_000 }, (_, i) => ({ i, tag: 'same' }));
    expect(unique({ list })).toEqual({ ok: true });
    expect(unique({ list: [...list, { tag: 'same', i: 99_999 }] })).toMatchObject({
      problems: [{ message: 'must not contain duplicates (items 99999 and 100000 are equal)' }],
    });
  });
});
