// The policies/<server>.json files as the app API reads, writes and removes them. Writes are
// atomic; the policy watcher puts what is written in force.
import { readFileSync, rmSync } from 'node:fs';
import type { PolicyFiles } from '../../core/api/handlers';
import { writeFileAtomic } from './atomic-write';
import { policyPath } from './data-dir';

export function policyFilesIn(dataDir: string): PolicyFiles & { remove(server: string): void } {
  return {
    path: (server) => policyPath(dataDir, server),
    read: (server) => {
      try {
        return readFileSync(policyPath(dataDir, server), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    write: (server, text) => writeFileAtomic(policyPath(dataDir, server), text),
    remove: (server) => rmSync(policyPath(dataDir, server), { force: true }),
  };
}
