import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileLogger, LOG_FILE } from '../../../../src/main/adapters/log/file-logger';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the desktop log file', () => {
  it('keeps every line in airlock.log, readable by the user alone', () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-log-'));
    const echoed: string[] = [];
    const logger = fileLogger(dir, { echo: (line) => echoed.push(line), now: () => new Date(0) });
    logger.info('started', { port: 7820 });
    logger.error('could not start');
    const text = readFileSync(join(dir, LOG_FILE), 'utf8');
    expect(text).toBe(
      '1970-01-01T00:00:00.000Z info started {"port":7820}\n' +
        '1970-01-01T00:00:00.000Z error could not start\n',
    );
    expect(echoed.join('')).toBe(text);
    if (process.platform !== 'win32') {
      expect(statSync(join(dir, LOG_FILE)).mode & 0o777).toBe(0o600);
    }
  });

  it('rotates past its size and keeps only the newest files', () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-log-'));
    const logger = fileLogger(dir, { maxBytes: 200, keep: 2 });
    for (let i = 0; i < 40; i++) logger.info(`line ${i} ${'x'.repeat(40)}`);
    expect(readdirSync(dir).sort()).toEqual(['airlock.1.log', 'airlock.2.log', 'airlock.log']);
    for (const name of readdirSync(dir)) {
      expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(200);
    }
    // The newest line is in the current file, the ones before it in the rotated ones.
    expect(readFileSync(join(dir, 'airlock.log'), 'utf8')).toContain('line 39 ');
    expect(readFileSync(join(dir, 'airlock.1.log'), 'utf8')).not.toContain('line 39 ');
    expect(readFileSync(join(dir, 'airlock.2.log'), 'utf8')).not.toContain('line 0 ');
  });

  it('goes on, without throwing, when its folder is gone', () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-log-'));
    const logger = fileLogger(join(dir, 'missing'));
    expect(() => logger.warn('nowhere to go')).not.toThrow();
  });
});
