// Redaction reads whatever an agent or an upstream sends, so no text may make it slow: one message
// must not stall the process that every session shares. These tests feed it the shapes that once
// did, where the private key rule read the same text again from each BEGIN line in it, or from
// each backslash in a run. They assert only what comes out; the suite's time limit is what
// catches a scan that runs far longer than its input.
import { describe, expect, it } from 'vitest';
import { redactedExcerpt, redactedTextExcerpt } from '../../../../src/main/core/redaction/excerpt';
import { createRedactor, type Redactor } from '../../../../src/main/core/redaction/redactor';

const r = createRedactor();
const tag = (kind: string) => `[redacted:${kind}]`;
const PRIVATE_KEY = tag('private-key');
const LIMIT = 16 * 1024;

/**
 * What a red-team agent sent as one object key: 100,000 BEGIN lines with no END, then more text,
 * without a quote, than the private key rule once scanned (1 MiB) from each BEGIN line.
 */
const BEGIN_LINES = '-----BEGIN PRIVATE KEY-----x'.repeat(100_000) + 'a'.repeat(1_100_000);

describe('a private key block with no end line', () => {
  it('is redacted to the end of the text, however many BEGIN lines it holds', () => {
    expect(r.text(`dump: ${BEGIN_LINES}`)).toBe(`dump: ${PRIVATE_KEY}`);
  });

  it('is redacted to the end of the JSON string it sits in, however far that is', () => {
    expect(r.text(JSON.stringify({ note: BEGIN_LINES, n: 1 }))).toBe(
      `{"note":"${PRIVATE_KEY}","n":1}`,
    );
  });

  it('is redacted however long its body, where a bounded scan gave up and kept it', () => {
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'.repeat(40_000);
    expect(r.text(`-----BEGIN PRIVATE KEY-----\n${body}`)).toBe(PRIVATE_KEY);
    expect(r.text(`-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\nok`)).toBe(
      `${PRIVATE_KEY}\nok`,
    );
  });

  it('is redacted up to a closing quote past a long run of backslashes, or to the end', () => {
    const backslashes = '\\'.repeat(400_000);
    expect(r.text(`-----BEGIN PRIVATE KEY-----${backslashes}`)).toBe(PRIVATE_KEY);
    // The backslashes that escape the closing quote of a JSON string inside a JSON string stay.
    expect(r.text(`-----BEGIN PRIVATE KEY-----${backslashes}"`)).toBe(
      `${PRIVATE_KEY}${backslashes}"`,
    );
  });

  it('is redacted in an object key and in a string value', () => {
    // The key names a private key, so the value under it is hidden too.
    expect(r.value({ [BEGIN_LINES]: 'v', note: BEGIN_LINES })).toEqual({
      [PRIVATE_KEY]: tag('field'),
      note: PRIVATE_KEY,
    });
  });

  it('is named by secrets() where value() replaces it', () => {
    expect(r.secrets({ list: ['ok', BEGIN_LINES] })).toEqual([
      { pointer: '/list/1', redacted: PRIVATE_KEY },
    ]);
  });

  it('is redacted in the history excerpts, as an object key, a value or a text', () => {
    expect(redactedExcerpt(r, { [BEGIN_LINES]: 'v' }, LIMIT)).toEqual({
      text: `{"${PRIVATE_KEY}":""}`,
      truncated: true,
    });
    expect(redactedExcerpt(r, { note: BEGIN_LINES, n: 1 }, LIMIT)).toEqual({
      text: `{"note":"${PRIVATE_KEY}"}`,
      truncated: true,
    });
    expect(redactedTextExcerpt(r, BEGIN_LINES, LIMIT)).toEqual({
      text: PRIVATE_KEY,
      truncated: true,
    });
  });
});

describe('other formats, each started 100,000 times in one text', () => {
  // When one of these rules fails, its scan has passed at most one later start of the same rule.
  const N = 100_000;
  it.each([
    ['Bearer', 'Bearer '.repeat(N), 'Bearer '.repeat(N)],
    ['Basic', 'Basic '.repeat(N), 'Basic '.repeat(N)],
    ['a labelled value', 'api_key= '.repeat(N), `api_key= ${tag('field')} `.repeat(N / 2)],
    ['a cookie header', 'Cookie: a\n'.repeat(N), `Cookie: ${tag('cookie')}\n`.repeat(N)],
    ['a URL password', '://a:b'.repeat(N), '://a:b'.repeat(N)],
    ['a JWT', ' eyJa.b'.repeat(N), ' eyJa.b'.repeat(N)],
    ['a prefixed key', ' hitl_abc'.repeat(N), ' hitl_abc'.repeat(N)],
  ])('%s', (_name, text, expected) => {
    expect(r.text(text)).toBe(expected);
  });
});

describe('an object key in a history excerpt', () => {
  /** A redactor that notes each value the excerpt hands it. */
  function watching(): { redactor: Redactor; handed: unknown[] } {
    const handed: unknown[] = [];
    const redactor: Redactor = {
      ...r,
      value: (value) => {
        handed.push(value);
        return r.value(value);
      },
    };
    return { redactor, handed };
  }

  it('is cut as a string value is, so the redactor never reads a key of megabytes', () => {
    const long = 'k'.repeat(4_000_000);
    const { redactor, handed } = watching();
    expect(redactedExcerpt(redactor, { [long]: 'v', next: 1 }, LIMIT)).toEqual({
      text: `{"${'k'.repeat(LIMIT - 2)}`,
      truncated: true,
    });
    // Kept, as a string value is, to the budget and a margin smaller than the budget.
    const [key = '', ...others] = Object.keys(handed[0] as object);
    expect(key.length).toBeLessThan(2 * LIMIT);
    expect(long.startsWith(key)).toBe(true);
    // It spent the budget: the entries after it are dropped, and nothing of its value is kept.
    expect(others).toEqual([]);
    expect(Object.values(handed[0] as object)).toEqual(['']);
  });

  it('is kept whole when it fits', () => {
    const { redactor, handed } = watching();
    const key = 'k'.repeat(100);
    expect(redactedExcerpt(redactor, { [key]: 'v' }, LIMIT)).toEqual({
      text: `{"${key}":"v"}`,
      truncated: false,
    });
    expect(handed).toEqual([{ [key]: 'v' }]);
  });
});
