// Live view of the policies/ folder: reports each policies/<server-id>.json at start and again
// whenever its content changes or it disappears, however the editor saved it.
import fs from 'node:fs';
import path from 'node:path';
import { isValidName } from '../../core/config/names';
import { isTempFileName } from './atomic-write';
import { POLICY_EXTENSION } from './data-dir';

export interface PolicyWatcherOptions {
  /** Safety-net rescan period. fs.watch alone misses some rename-replace saves and folder re-creation. */
  pollIntervalMs?: number;
  /** Delay after an fs.watch event before rescanning, so one save's burst of events costs one scan. */
  debounceMs?: number;
  /** Unreadable files, folder errors and exceptions thrown by onFile; the watcher keeps going. */
  onError?: (err: Error) => void;
}

export interface PolicyWatcher {
  close(): void;
  /** Resolves once every policy present at start has been reported. */
  ready: Promise<void>;
}

/** `text` undefined means the file was deleted (or renamed away). */
export type PolicyFileListener = (serverId: string, text: string | undefined) => void;

interface Known {
  signature: string;
  text: string;
}

export function watchPolicies(
  dir: string,
  onFile: PolicyFileListener,
  opts: PolicyWatcherOptions = {},
): PolicyWatcher {
  const pollIntervalMs = opts.pollIntervalMs ?? 300;
  const debounceMs = opts.debounceMs ?? 30;
  const onError = opts.onError ?? (() => {});
  const known = new Map<string, Known>();
  // The signature a file last failed to read at, so a persistent error is reported once.
  const failed = new Map<string, string>();
  let closed = false;
  let watcher: fs.FSWatcher | undefined;
  let pending: NodeJS.Timeout | undefined;

  const emit = (serverId: string, text: string | undefined): void => {
    try {
      onFile(serverId, text);
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
      // The folder is gone: every policy in it is deleted, and the watcher on it is dead.
      names = [];
      stopWatcher();
    }
    const present = new Set<string>();
    for (const name of names) {
      const serverId = serverIdOf(name);
      if (serverId === undefined) continue;
      const file = path.join(dir, name);
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (st === undefined || !st.isFile()) continue;
      present.add(serverId);
      const signature = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      const previous = known.get(serverId);
      if (previous?.signature === signature) continue;
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          present.delete(serverId);
        } else if (failed.get(serverId) !== signature) {
          failed.set(serverId, signature);
          onError(err as Error);
        }
        continue;
      }
      failed.delete(serverId);
      known.set(serverId, { signature, text });
      // A touch or a save of identical content changes the stat but is not a change.
      if (previous?.text !== text) emit(serverId, text);
    }
    for (const serverId of [...known.keys()]) {
      if (!present.has(serverId)) {
        known.delete(serverId);
        emit(serverId, undefined);
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
      watcher = fs.watch(dir, { persistent: false }, schedule);
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

function serverIdOf(name: string): string | undefined {
  if (!name.endsWith(POLICY_EXTENSION) || isTempFileName(name)) return undefined;
  const serverId = name.slice(0, -POLICY_EXTENSION.length);
  // Only names config.json could use as a server id; anything else is not a policy file.
  return isValidName(serverId) ? serverId : undefined;
}
