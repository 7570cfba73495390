// The redacting logger: every message and field passes the redactor before the real logger sees
// it, and only then are long strings cut, so no piece of a secret survives a cut.
import { describe, expect, it } from 'vitest';
import { redactingLogger } from '../../../../src/main/adapters/log/redacting-logger';
import { createRedactor } from '../../../../src/main/core/redaction/redactor';
import { recordingLogger } from '../../../helpers/recording-logger';

const KEY = 'hitl_Q2hhdHR5U2VydmVyS2V5MDEyMzQ1Njc4OWFiY2Rl';

function setup(options: { maxChars?: number; patterns?: string[] } = {}) {
  const inner = recordingLogger();
  const logger = redactingLogger(inner, createRedactor({ patterns: options.patterns }), {
    maxChars: options.maxChars,
  });
  return { inner, logger };
}

describe('redactingLogger', () => {
  it('redacts the message at every level', () => {
    const { inner, logger } = setup();
    logger.info(`minted ${KEY}`);
    logger.warn(`minted ${KEY}`);
    logger.error(`minted ${KEY}`);
    expect(inner.lines.map((l) => [l.level, l.message])).toEqual([
      ['info', 'minted [redacted:hitl-key]'],
      ['warn', 'minted [redacted:hitl-key]'],
      ['error', 'minted [redacted:hitl-key]'],
    ]);
  });

  it('redacts fields deeply and hides the values of secret-named fields', () => {
    const { inner, logger } = setup();
    logger.warn('upstream said', {
      line: `key=${KEY}`,
      nested: { list: [`Bearer ${KEY}`, 42] },
      token: 'plain-looking-value',
      count: 3,
    });
    expect(inner.lines[0]!.fields).toEqual({
      line: 'key=[redacted:hitl-key]',
      nested: { list: ['Bearer [redacted:bearer]', 42] },
      token: '[redacted:field]',
      count: 3,
    });
  });

  it('applies the user’s own patterns', () => {
    const { inner, logger } = setup({ patterns: ['acct-[0-9]{6}'] });
    logger.info('account acct-123456 changed', { who: 'acct-654321' });
    expect(inner.lines[0]).toMatchObject({
      message: 'account [redacted:custom] changed',
      fields: { who: '[redacted:custom]' },
    });
  });

  it('shows an Error field’s message, redacted', () => {
    const { inner, logger } = setup();
    logger.error('failed', { error: new Error(`server answered ${KEY}`) });
    const error = inner.lines[0]!.fields!['error'] as string;
    expect(error).toMatch(/^Error: server answered \[redacted:hitl-key\]/);
  });

  it('redacts before it cuts, so a secret that straddles the cut leaves nothing behind', () => {
    const { inner, logger } = setup({ maxChars: 30 });
    // The key starts at 20: cut first, its first 10 characters would be too short to recognise.
    const text = `${'x'.repeat(14)}said: ${KEY} and more`;
    logger.info(text, { line: text });
    const { message, fields } = inner.lines[0]!;
    for (const logged of [message, fields!['line'] as string]) {
      expect(logged).not.toContain(KEY.slice(0, 8));
      expect(logged).toBe(`${'x'.repeat(14)}said: [redacted:… (18 more characters)`);
    }
  });

  it('cuts long strings in messages, fields and field names, saying how much was dropped', () => {
    const { inner, logger } = setup({ maxChars: 10 });
    logger.info('a'.repeat(25), { ['k'.repeat(12)]: ['b'.repeat(11)] });
    expect(inner.lines[0]).toEqual({
      level: 'info',
      message: `${'a'.repeat(10)}… (15 more characters)`,
      fields: {
        [`${'k'.repeat(10)}… (2 more characters)`]: [`${'b'.repeat(10)}… (1 more characters)`],
      },
    });
  });

  it('passes no fields when none were given', () => {
    const { inner, logger } = setup();
    logger.info('plain');
    expect(inner.lines[0]).toEqual({ level: 'info', message: 'plain', fields: undefined });
  });
});
