// protected-clients.json in the data folder: what Airlock remembers of the clients it protects
// (hashes, never tokens), written atomically and readable by the user alone.
import fs from 'node:fs';
import path from 'node:path';
import type { ProtectionRecordsPort } from '../../core/clients/protection';
import { formatProtections, parseProtections } from '../../core/clients/records';
import { writeFileAtomic } from '../files/atomic-write';
import { DATA_FILES } from '../files/data-dir';

export function protectionRecordsFile(dataDir: string): ProtectionRecordsPort {
  const file = path.join(dataDir, DATA_FILES.protectedClients);
  return {
    load: () => {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
      }
      const parsed = parseProtections(text);
      if (!parsed.ok) {
        throw new Error(
          `${file} cannot be used (${parsed.reason}); Airlock will not protect or unprotect a client until it is fixed or removed`,
        );
      }
      return parsed.records;
    },
    save: (records) => writeFileAtomic(file, formatProtections(records), { mode: 0o600 }),
  };
}
