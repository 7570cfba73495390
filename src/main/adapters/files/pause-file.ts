// pause.json: whether Airlock is paused, so a pause outlives a restart. Absent means not paused;
// a file that cannot be read means paused, since a brake that lets go on a bad read is none.
import fs from 'node:fs';
import type { PauseState } from '../../core/calls/pause-switch';
import type { Logger } from '../../core/ports';
import { writeFileAtomic } from './atomic-write';
import { pausePath } from './data-dir';

export function readPauseState(dataDir: string, logger: Logger): PauseState {
  const file = pausePath(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { paused: false };
    logger.error(`cannot read ${file}; Airlock starts paused`, { error: (error as Error).message });
    return { paused: true };
  }
  try {
    const value = JSON.parse(text) as { paused?: unknown; since?: unknown };
    if (value.paused === false) return { paused: false };
    return { paused: true, ...(typeof value.since === 'number' ? { since: value.since } : {}) };
  } catch {
    logger.error(`${file} is not valid JSON; Airlock starts paused until a person resumes it`);
    return { paused: true };
  }
}

export function savePauseState(dataDir: string, state: PauseState): void {
  const file = pausePath(dataDir);
  if (!state.paused) {
    fs.rmSync(file, { force: true });
    return;
  }
  writeFileAtomic(file, JSON.stringify(state) + '\n');
}
