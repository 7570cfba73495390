// Live view of config.json: a valid edit is put in force at once as its difference from the config
// in force (servers added, changed or removed; settings); an invalid, half-written or deleted file
// leaves the last good config in force, and the log and the UI say why until the file is fixed.
import type { ConfigStatus } from '../../../shared/contract';
import { ApiError } from '../../../shared/api-error';
import { canonicalJson } from '../../core/calls/canonical-json';
import { diffSettings, type ServerChanges } from '../../core/config/config-diff';
import { parseConfig } from '../../core/config/parse-config';
import type { ServerEntry, Settings } from '../../core/config/types';
import type { Logger } from '../../core/ports';
import { describeConfigProblems } from './config-file';
import { configPath, DATA_FILES } from './data-dir';
import { watchFolder, type FolderWatcher, type FolderWatcherOptions } from './folder-watcher';

export interface ConfigWatcherOptions {
  dataDir: string;
  logger: Logger;
  /** Whether config.json existed when Airlock read it at start (a fresh install has none). */
  existed: boolean;
  /**
   * The running servers: puts a valid file's mcpServers in force, given the text they were read
   * from (plain env and header values in it move to the secret store).
   */
  servers: { reload(servers: readonly ServerEntry[], text: string): ServerChanges };
  /** The settings in force; read to compare, never written here. */
  settings(): Settings;
  /** Puts the settings that changed in force (only ones that apply now, and the saved port). */
  applySettings(change: Partial<Settings>): void;
  /** The file's problems, or what it keeps for the next start, changed. */
  onStatus(status: ConfigStatus): void;
  watch?: FolderWatcherOptions;
}

export interface ConfigWatcher {
  /** Starts watching; resolves once config.json as it is now has been checked. */
  start(): Promise<void>;
  status(): ConfigStatus;
  /**
   * Throws ApiError('conflict') while config.json is missing: a write would create a file with
   * only the edited entry, and reading it back would take every other server out of force.
   */
  assertWritable(): void;
  close(): void;
}

export function watchConfig(options: ConfigWatcherOptions): ConfigWatcher {
  const { dataDir, logger } = options;
  const file = configPath(dataDir);
  let status: ConfigStatus = { file, problems: [], nextStart: {} };
  /** The file was there at start or has been since, so its absence is news. */
  let seen = options.existed;
  let missing = false;
  let reported = false;

  const setStatus = (next: ConfigStatus) => {
    if (canonicalJson(next) === canonicalJson(status)) return;
    status = next;
    options.onStatus(status);
  };

  const onMissing = () => {
    if (!seen || missing) return;
    missing = true;
    logger.error(
      `${file} is missing; the config read last stays in force until the file is back (write {} to it to remove every server)`,
    );
    setStatus({
      ...status,
      problems: [
        {
          path: '',
          message:
            'config.json is missing; the config read last stays in force until the file is back (a file holding {} removes every server)',
        },
      ],
    });
  };

  const onText = (text: string) => {
    seen = true;
    missing = false;
    const parsed = parseConfig(text);
    if (!parsed.ok) {
      logger.error(
        'config.json is invalid; the last good config stays in force:\n' +
          describeConfigProblems(dataDir, parsed.errors),
      );
      setStatus({ ...status, problems: parsed.errors });
      return;
    }
    const { servers, settings } = parsed.value;
    // Servers log and announce themselves through the registry, as the app's own edits do.
    options.servers.reload(servers, text);
    const { changed, nextStart } = diffSettings(options.settings(), settings);
    if (Object.keys(changed).length > 0) options.applySettings(changed);
    for (const [key, value] of Object.entries(changed)) {
      logger.info(
        `config.json: settings.${settingName(key)} is now ${settingValue(key, value)}` +
          (key === 'port' ? '; it applies at the next start' : ''),
      );
    }
    for (const [key, value] of Object.entries(nextStart)) {
      if (
        canonicalJson(value) === canonicalJson((status.nextStart as Record<string, unknown>)[key])
      )
        continue;
      logger.info(
        `config.json: settings.${settingName(key)} is now ${settingValue(key, value)}; it applies at the next start`,
      );
    }
    if (status.problems.length > 0) logger.info('config.json is valid again and in force');
    setStatus({ file, problems: [], nextStart });
  };

  let watcher: FolderWatcher | undefined;
  let closed = false;
  return {
    async start() {
      if (watcher !== undefined || closed) return;
      watcher = watchFolder(
        dataDir,
        (name) => (name === DATA_FILES.config ? name : undefined),
        (_name, text) => {
          reported = true;
          if (text === undefined) onMissing();
          else onText(text);
        },
        { ...options.watch, onError: (error) => logger.warn(`config.json: ${error.message}`) },
      );
      await watcher.ready;
      // A file read at start and gone before the first scan is reported by no one else.
      if (!reported) onMissing();
    },
    status: () => status,
    assertWritable() {
      if (missing) {
        throw new ApiError(
          'conflict',
          `${file} is missing, so Airlock will not write it: a new file with only this change would remove every other server. Put the file back (or write {} to it), then try again.`,
        );
      }
    },
    close() {
      closed = true;
      watcher?.close();
    },
  };
}

/** The setting's name as config.json spells it. */
function settingName(key: string): string {
  return key.endsWith('TimeoutMs') ? key.slice(0, -2) : key;
}

function settingValue(key: string, value: unknown): string {
  return key.endsWith('TimeoutMs') && typeof value === 'number'
    ? `${value / 1000}s`
    : JSON.stringify(value);
}
