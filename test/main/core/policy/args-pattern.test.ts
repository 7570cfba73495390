// Argument rules' patterns run in time linear in the agent's text, and a pattern that only a
// backtracking engine can run is a located problem in the policy, not a slow rule.
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../../src/main/core/policy';

function policyWith(args: unknown): string {
  return JSON.stringify({ version: '1', default: 'deny', tools: { t: { args } } });
}

describe('a pattern in an argument rule', () => {
  it('that backtracks on a backtracking engine checks a hostile argument at once', () => {
    const parsed = parsePolicy(
      policyWith({ type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } }),
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const validate = parsed.value.tools.get('t')!.validateArgs!;
    // 32 characters: about a minute for V8's engine; RE2 answers in microseconds.
    const check = validate({ s: 'a'.repeat(31) + 'b' });
    expect(check.ok).toBe(false);
    expect(validate({ s: 'aaaa' }).ok).toBe(true);
  });

  it.each([
    ['lookahead', '^(?=.*@).*$'],
    ['lookbehind', '(?<=@)example'],
    ['a backreference', '^(a)\\1$'],
  ])('using %s is a problem at its path', (_name, pattern) => {
    const parsed = parsePolicy(
      policyWith({ type: 'object', properties: { email: { type: 'string', pattern } } }),
    );
    expect(parsed).toMatchObject({
      ok: false,
      errors: [
        {
          path: '/tools/t/args/properties/email/pattern',
          message: expect.stringContaining('argument rules run on RE2'),
        },
      ],
    });
  });

  it('as a patternProperties name is checked the same way', () => {
    const parsed = parsePolicy(
      policyWith({ type: 'object', patternProperties: { '^(?!x)': { type: 'string' } } }),
    );
    expect(parsed).toMatchObject({
      ok: false,
      errors: [{ path: '/tools/t/args/patternProperties/^(?!x)' }],
    });
  });

  it('keeps JSON Schema’s meaning: unanchored, Unicode classes, ASCII \\d', () => {
    const parsed = parsePolicy(
      policyWith({
        type: 'object',
        properties: {
          email: { type: 'string', pattern: '@example\\.com$' },
          word: { type: 'string', pattern: '^\\p{L}+$' },
          pin: { type: 'string', pattern: '^\\d{4}$' },
        },
      }),
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const validate = parsed.value.tools.get('t')!.validateArgs!;
    expect(validate({ email: 'me@example.com', word: 'héllo', pin: '1234' }).ok).toBe(true);
    expect(validate({ email: 'me@example.com.evil' }).ok).toBe(false);
    expect(validate({ pin: '١٢٣٤' }).ok).toBe(false);
  });
});
