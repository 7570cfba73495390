// Live view of some files in one folder (the policies, config.json): reports each at start and
// again whenever its content changes or it disappears, however the editor saved it (in place,
// rename-replace, delete), with fs.watch for speed and a poll as the safety net.
import fs from 'node:fs';
import path from 'node:path';

export interface FolderWatcherOptions {
  /** Safety-net rescan period. fs.watch alone misses some rename-replace saves and folder re-creation. */
  pollIntervalMs?: number;
  /** Delay after an fs.watch event before rescanning, so one save's burst of events costs one scan. */
  debounceMs?: number;
  /** Unreadable files, folder errors and exceptions thrown by onFile; the watcher keeps going. */
  onError?: (err: Error) => void;
}

export interface FolderWatcher {
  close(): void;
  /** Resolves once every watched file present at start has been reported. */
  ready: Promise<void>;
}

/** The key a file name is reported under, or undefined for a file the watcher ignores. */
export type FileKey = (name: string) => string | undefined;

/** `text` undefined means the file was deleted (or renamed away). */
export type WatchedFileListener = (key: string, text: string | undefined) => void;

interface Known {
  signature: string;
  text: string;
}

export function watchFolder(
  dir: string,
  keyOf: FileKey,
  onFile: WatchedFileListener,
  opts: FolderWatcherOptions = {},
): FolderWatcher {
  const pollIntervalMs = opts.pollIntervalMs ?? 300;
  const debounceMs = opts.debounceMs ?? 30;
  const onError = opts.onError ?? (() => {});
  const known = new Map<string, Known>();
  // The signature a file last failed to read at, so a persistent error is reported once.
  const failed = new Map<string, string>();
  let closed = false;
  let watcher: fs.FSWatcher | undefined;
  let pending: NodeJS.Timeout | undefined;

  const emit = (key: string, text: string | undefined): void => {
    try {
      onFile(key, text);
    } catch (err) {
      onError(err as Error);
    }
  };

  const scan = (): void => {
    if (closed) return;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        onError(err as Error);
        return;
      }
      // The folder is gone: every file in it is deleted, and the watcher on it is dead.
      names = [];
      stopWatcher();
    }
    const present = new Set<string>();
    for (const name of names) {
      const key = keyOf(name);
      if (key === undefined) continue;
      const file = path.join(dir, name);
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (st === undefined || !st.isFile()) continue;
      present.add(key);
      const signature = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      const previous = known.get(key);
      if (previous?.signature === signature) continue;
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          present.delete(key);
        } else if (failed.get(key) !== signature) {
          failed.set(key, signature);
          onError(err as Error);
        }
        continue;
      }
      failed.delete(key);
      known.set(key, { signature, text });
      // A touch or a save of identical content changes the stat but is not a change.
      if (previous?.text !== text) emit(key, text);
    }
    for (const key of [...known.keys()]) {
      if (!present.has(key)) {
        known.delete(key);
        emit(key, undefined);
      }
    }
    startWatcher();
  };

  const schedule = (): void => {
    if (closed || pending !== undefined) return;
    pending = setTimeout(() => {
      pending = undefined;
      scan();
    }, debounceMs);
    pending.unref();
  };

  function startWatcher(): void {
    if (closed || watcher !== undefined) return;
    try {
      // Other files in the folder (the history's database beside config.json) change all the
      // time; only a watched name, or an event that names no file, is worth a scan.
      watcher = fs.watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || keyOf(name) !== undefined) schedule();
      });
      watcher.on('error', () => stopWatcher());
    } catch {
      // The folder does not exist (yet); the poll retries.
      watcher = undefined;
    }
  }

  function stopWatcher(): void {
    watcher?.close();
    watcher = undefined;
  }

  const poll = setInterval(scan, pollIntervalMs);
  poll.unref();
  // Scanned after returning, so a listener that refers to the returned handle can run.
  const ready = Promise.resolve().then(scan);

  return {
    ready,
    close() {
      closed = true;
      clearInterval(poll);
      if (pending !== undefined) clearTimeout(pending);
      stopWatcher();
    },
  };
}
