import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactedExcerpt, redactedTextExcerpt } from '../../../../src/main/core/redaction/excerpt';
import { createRedactor } from '../../../../src/main/core/redaction/redactor';
import { fuzzRuns } from '../../../helpers/fuzz-runs';

const redactor = createRedactor();
const KEY = 'hitl_' + 'Q7'.repeat(20);

describe('redactedExcerpt', () => {
  it('is the redacted JSON of a small value, whole', () => {
    const value = { text: `key ${KEY}`, api_key: 'plain', n: [1, 2] };
    expect(redactedExcerpt(redactor, value, 1000)).toEqual({
      text: JSON.stringify(redactor.value(value)),
      truncated: false,
    });
  });

  it('redacts a key that JSON text wrote with an escape, in a value of megabytes', () => {
    const raw = `{"content":[{"type":"text","text":"your key: ${KEY.replace('_', '\\u005f')} ${'y'.repeat(2_000_000)}"}]}`;
    const excerpt = redactedExcerpt(redactor, JSON.parse(raw), 16 * 1024);
    expect(excerpt.truncated).toBe(true);
    expect(excerpt.text.length).toBe(16 * 1024);
    expect(excerpt.text).toContain('your key: [redacted');
    expect(excerpt.text).not.toContain(KEY.slice(5));
  });

  it('redacts a key that straddles the cut instead of keeping its first half', () => {
    const excerpt = redactedExcerpt(redactor, { text: 'x'.repeat(90) + KEY }, 100);
    expect(excerpt.text).not.toContain('hitl_Q7');
    expect(excerpt.truncated).toBe(true);
  });

  it('is whole exactly when nothing was cut: the redacted JSON of the value, within the limit', () => {
    const text = fc.oneof(fc.string({ maxLength: 60 }), fc.constant(KEY), fc.constant('api_key'));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 5 }),
        fc.dictionary(text, tie('node'), { maxKeys: 5 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 400 }), (v, limit) => {
        const excerpt = redactedExcerpt(redactor, v, limit);
        expect(excerpt.text.length).toBeLessThanOrEqual(limit);
        expect(excerpt.text).not.toContain(KEY);
        if (!excerpt.truncated) expect(excerpt.text).toBe(JSON.stringify(redactor.value(v)));
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('stops copying a long list once the budget is spent', () => {
    const excerpt = redactedExcerpt(
      redactor,
      Array.from({ length: 100_000 }, (_, i) => i),
      200,
    );
    expect(excerpt.truncated).toBe(true);
    expect(excerpt.text.length).toBeLessThanOrEqual(200);
  });
});

describe('redactedTextExcerpt', () => {
  it('is the redacted text whole when it fits', () => {
    expect(redactedTextExcerpt(redactor, `failed with ${KEY}`, 1000)).toEqual({
      text: redactor.text(`failed with ${KEY}`),
      truncated: false,
    });
  });

  it('keeps the head of megabytes, and redacts a key that straddles the cut', () => {
    const excerpt = redactedTextExcerpt(
      redactor,
      'x'.repeat(90) + ' ' + KEY + ' ' + 'y'.repeat(4_000_000),
      100,
    );
    expect(excerpt).toMatchObject({ truncated: true });
    expect(excerpt.text).toHaveLength(100);
    expect(excerpt.text).not.toContain('hitl_Q7');
  });
});
