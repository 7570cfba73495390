// The clients' config files on disk, for Protect and Unprotect: read as bytes (so a file is put back
// byte for byte, with its permissions), replaced atomically, and backed up beside itself in a
// new file readable by the user alone (it holds the client's own server secrets), never over one.
import fs from 'node:fs';
import type { ClientFilesPort, FileRead } from '../../core/clients/protection';
import { writeFileAtomic } from '../files/atomic-write';
import type { ClientLocations } from './client-locations';

const BACKUP_SUFFIX = '.airlock-backup';
/** ~/.claude.json grows with its history; anything bigger than this is not a client config. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;
const BACKUP_MODE = 0o600;

export function clientFilesOnDisk(locations: ClientLocations): ClientFilesPort {
  const candidates = function* (file: string) {
    yield file + BACKUP_SUFFIX;
    for (let n = 2; n < 1000; n++) yield `${file}${BACKUP_SUFFIX}-${n}`;
  };
  return {
    locations: () => locations.files,
    claudeCodeProject: (dir) => locations.claudeCodeProject(dir),
    read: (file) => readBytes(file),
    write: (file, bytes, mode) => writeFileAtomic(file, bytes, mode === undefined ? {} : { mode }),
    backupName: (file) => {
      for (const name of candidates(file)) if (!fs.existsSync(name)) return name;
      return file + BACKUP_SUFFIX;
    },
    backup: (file, bytes) => {
      for (const name of candidates(file)) {
        let fd: number;
        try {
          // 'wx' never replaces a file: an older backup may be the only copy of someone's config.
          fd = fs.openSync(name, 'wx', BACKUP_MODE);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw new Error(`cannot write the backup ${name}: ${(error as Error).message}`, {
            cause: error,
          });
        }
        try {
          fs.writeFileSync(fd, bytes);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        return name;
      }
      throw new Error(`cannot write a backup of ${file}: every name beside it is taken`);
    },
    readBackup: (backup) => {
      const read = readBytes(backup);
      return read.ok && !('missing' in read) ? read.bytes : undefined;
    },
    removeBackup: (backup) => fs.rmSync(backup, { force: true }),
  };
}

function readBytes(file: string): FileRead {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return { ok: false, reason: 'it is not a file' };
    if (stat.size > MAX_FILE_BYTES) {
      return { ok: false, reason: `it is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB` };
    }
    const bytes = fs.readFileSync(file);
    return process.platform === 'win32'
      ? { ok: true, bytes }
      : { ok: true, bytes, mode: stat.mode & 0o7777 };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: true, missing: true };
    return { ok: false, reason: (error as Error).message };
  }
}
