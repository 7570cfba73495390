// Replaces a file so that readers (and a crash at any moment) see either the old content or the
// new, never a mix: write a temporary file beside it, fsync, rename over the target.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Permission bits for the file. Default: keep the target's current mode, or 0o666 minus umask for a new file. */
  mode?: number;
}

/** Temporary files start with '.' and end in '.tmp', so folder watchers can tell them apart. */
export function isTempFileName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.tmp');
}

export function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): void {
  // Write through a symlink (say, a policy kept in a dotfiles repo) rather than replace it.
  file = realTarget(file);
  const dir = path.dirname(file);
  const temp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const mode = opts.mode ?? existingMode(file);
  let renamed = false;
  try {
    // 'wx' refuses to follow a symlink or reuse a file someone planted at the temp name.
    const fd = fs.openSync(temp, 'wx', mode ?? 0o666);
    try {
      // umask may have cleared bits the caller (or the old file) asked for.
      if (mode !== undefined && process.platform !== 'win32') fs.fchmodSync(fd, mode);
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    renameWithRetry(temp, file);
    renamed = true;
    syncDir(dir);
  } finally {
    if (!renamed) fs.rmSync(temp, { force: true });
  }
}

function realTarget(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

function existingMode(file: string): number | undefined {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st === undefined ? undefined : st.mode & 0o7777;
}

/**
 * On Windows a rename onto a file that another process (an editor, an indexer, antivirus) has
 * open fails for a moment with EPERM/EACCES/EBUSY; a few short retries ride that out.
 */
function renameWithRetry(from: string, to: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.renameSync(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const transient = code === 'EPERM' || code === 'EACCES' || code === 'EBUSY';
      if (process.platform !== 'win32' || !transient || attempt >= 10) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 * (attempt + 1));
    }
  }
}

/**
 * Makes the rename itself survive a power loss. Best effort: Windows cannot open a directory
 * for fsync and some file systems refuse it, and by now the new content is already in place.
 */
function syncDir(dir: string): void {
  if (process.platform === 'win32') return;
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // See above: nothing useful to report.
  }
}
