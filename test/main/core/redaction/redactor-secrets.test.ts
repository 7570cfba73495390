// Redactor.secrets names exactly the places where Redactor.value changes a value, so a screen that
// masks those places in the exact value shows no more than the history does until asked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, MAX_REDACTION_DEPTH } from '../../../../src/main/core/redaction/redactor';
import { pointerTokens } from '../../../../src/shared/json-pointer';

const r = createRedactor({ fields: ['ssn'] });

// Field names and texts the redactor acts on, mixed with arbitrary ones.
const text = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'token',
    'Password',
    'ssn',
    'a/b~c',
    '',
    'Authorization: Bearer sk_live_abcDEF123456789xyz then go',
    'my key is hitl_0123456789abcdef0123456789abcdef',
  ),
);
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json')),
    fc.dictionary(text, tie('json')),
  ),
}));

/** `value` with each listed place set to its redacted text (a copy; keys as value() writes them). */
function applied(value: unknown, secrets: { pointer: string; redacted: string }[]): unknown {
  const copy = structuredClone(value);
  const root = { value: copy };
  for (const { pointer, redacted } of secrets) {
    const tokens = ['value', ...pointerTokens(pointer)];
    let parent = root as Record<string, unknown>;
    for (const token of tokens.slice(0, -1)) parent = parent[token] as Record<string, unknown>;
    parent[tokens.at(-1)!] = redacted;
  }
  return redactKeys(root.value);
}

function redactKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(redactKeys);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [r.text(k), redactKeys(v)]));
}

describe('Redactor.secrets', () => {
  it('lists each place value() changes, with what it puts there', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(applied(value, r.secrets(value))).toEqual(r.value(value));
      }),
      { numRuns: 300 },
    );
  });

  it('names places by JSON Pointer, escaping "~" and "/", and a container too deep as a whole', () => {
    let deep: unknown = { token: 'x' };
    for (let i = 0; i < MAX_REDACTION_DEPTH; i++) deep = [deep];
    expect(
      r.secrets({ 'a/b': { '~key': { ssn: '078-05-1120' } }, list: ['', { secret: '' }], deep }),
    ).toEqual([
      { pointer: '/a~1b/~0key/ssn', redacted: '[redacted:field]' },
      { pointer: '/deep' + '/0'.repeat(MAX_REDACTION_DEPTH - 1), redacted: '[redacted:too-deep]' },
    ]);
  });
});
