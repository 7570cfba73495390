// Live view of the policies/ folder: reports each policies/<server-id>.json at start and again
// whenever its content changes or it disappears, however the editor saved it.
import { isValidName } from '../../../shared/model/names';
import { isTempFileName } from './atomic-write';
import { POLICY_EXTENSION } from './data-dir';
import {
  watchFolder,
  type FolderWatcher,
  type FolderWatcherOptions,
  type WatchedFileListener,
} from './folder-watcher';

export type PolicyWatcherOptions = FolderWatcherOptions;
export type PolicyWatcher = FolderWatcher;
/** Called with the server id and the file's text; `text` undefined means the file was deleted. */
export type PolicyFileListener = WatchedFileListener;

export function watchPolicies(
  dir: string,
  onFile: PolicyFileListener,
  opts: PolicyWatcherOptions = {},
): PolicyWatcher {
  return watchFolder(dir, serverIdOf, onFile, opts);
}

function serverIdOf(name: string): string | undefined {
  if (!name.endsWith(POLICY_EXTENSION) || isTempFileName(name)) return undefined;
  const serverId = name.slice(0, -POLICY_EXTENSION.length);
  // Only names config.json could use as a server id; anything else is not a policy file.
  return isValidName(serverId) ? serverId : undefined;
}
