// The desktop app's log: airlock.log in the data folder, always written (a tray app has no
// terminal to show its log in), kept to a few megabytes by rotation: airlock.log → airlock.1.log
// → airlock.2.log, the oldest dropped. Lines are written as they come, so the last words before a
// crash are on disk. Redaction happens before a line gets here (redactingLogger).
import fs from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../core/ports';

export const LOG_FILE = 'airlock.log';

export interface FileLoggerOptions {
  /** The file rotates once it would grow past this; default 5 MB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one; default 2. */
  keep?: number;
  /** Also write each line here (stderr when run from a terminal). */
  echo?: (line: string) => void;
  now?: () => Date;
}

export function fileLogger(dataDir: string, options: FileLoggerOptions = {}): Logger {
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  const keep = options.keep ?? 2;
  const file = join(dataDir, LOG_FILE);
  const rotated = (n: number) => join(dataDir, `airlock.${n}.log`);
  let size = sizeOf(file);

  const rotate = () => {
    fs.rmSync(rotated(keep), { force: true });
    for (let n = keep - 1; n >= 1; n--) {
      if (fs.existsSync(rotated(n))) fs.renameSync(rotated(n), rotated(n + 1));
    }
    if (keep > 0 && fs.existsSync(file)) fs.renameSync(file, rotated(1));
    else fs.rmSync(file, { force: true });
    size = 0;
  };

  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    const extra = fields && Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields) : '';
    const line = `${(options.now?.() ?? new Date()).toISOString()} ${level} ${message}${extra}\n`;
    options.echo?.(line);
    try {
      const bytes = Buffer.byteLength(line);
      if (size > 0 && size + bytes > maxBytes) rotate();
      fs.appendFileSync(file, line, { mode: 0o600 });
      size += bytes;
    } catch {
      // A log that cannot be written (disk full) must not take the app down with it.
    }
  };
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
