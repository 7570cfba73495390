import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPauseState, savePauseState } from '../../../../src/main/adapters/files/pause-file';
import { recordingLogger } from '../../../helpers/recording-logger';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('pause.json', () => {
  it('is absent when not paused, and keeps a pause with its start', () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-pause-'));
    const logger = recordingLogger();
    expect(readPauseState(dir, logger)).toEqual({ paused: false });
    savePauseState(dir, { paused: true, since: 42 });
    expect(readPauseState(dir, logger)).toEqual({ paused: true, since: 42 });
    savePauseState(dir, { paused: false });
    expect(() => statSync(join(dir, 'pause.json'))).toThrow();
  });

  it('that cannot be read leaves Airlock paused, and says so', () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-pause-'));
    writeFileSync(join(dir, 'pause.json'), '{"paused": fal');
    const logger = recordingLogger();
    expect(readPauseState(dir, logger)).toEqual({ paused: true });
    expect(logger.lines[0]?.message).toMatch(/starts paused/);
  });
});
