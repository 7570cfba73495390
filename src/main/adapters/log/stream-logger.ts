// A Logger that writes one line per entry to a stream (stderr for `airlock serve`), so stdout
// stays free for what scripts read.
import type { Writable } from 'node:stream';
import type { Logger } from '../../core/ports';

export function streamLogger(stream: Writable, options: { quiet?: boolean } = {}): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    const extra = fields && Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields) : '';
    stream.write(`${new Date().toISOString()} ${level} ${message}${extra}\n`);
  };
  return {
    info: (message, fields) => {
      if (!options.quiet) write('info', message, fields);
    },
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
