// The desktop app's PATH, taken from the user's login shell. An app started from Finder or a
// desktop launcher gets a bare PATH (/usr/bin:/bin:...), so stdio servers run with npx or uvx are
// not found; a terminal's PATH comes from the shell's rc files, and shell-env reads it from there.
import { shellEnv } from 'shell-env';
import { systemTimers, type Logger, type Timers } from '../../core/ports';
import { errorMessage } from '../../../shared/error-message';

/** A login shell slow past this (a broken rc waiting on input, say) is given up on. */
const LOGIN_SHELL_TIMEOUT_MS = 5_000;

export interface LoginShellPathOptions {
  /** Read for SHELL and PATH; PATH is written. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  timeoutMs?: number;
  timers?: Timers;
  logger?: Logger;
  /** Reads the shell's environment; default shell-env's (tests watch it). */
  readShellEnv?: (shell: string | undefined) => Promise<Readonly<Record<string, string>>>;
}

export type LoginShellPathResult =
  { changed: true; added: number } | { changed: false; reason: string };

/**
 * Puts the login shell's PATH in front of the one the app was started with (whose folders stay,
 * after it), before any upstream server is spawned. Never throws and never waits past the
 * timeout: a shell that fails or hangs leaves PATH as it was, with a warning in the log.
 */
export async function adoptLoginShellPath(
  options: LoginShellPathOptions = {},
): Promise<LoginShellPathResult> {
  const env = options.env ?? process.env;
  const result = await readLoginShellPath(options, env);
  if (!result.ok) {
    options.logger?.warn(`PATH not taken from the login shell: ${result.reason}`);
    return { changed: false, reason: result.reason };
  }
  const separator = (options.platform ?? process.platform) === 'win32' ? ';' : ':';
  const current = splitPath(env.PATH, separator);
  const merged = [...new Set([...splitPath(result.path, separator), ...current])];
  const added = merged.length - new Set(current).size;
  env.PATH = merged.join(separator);
  options.logger?.info(
    `PATH taken from the login shell: ${added} folder${added === 1 ? '' : 's'} added`,
  );
  return { changed: true, added };
}

async function readLoginShellPath(
  options: LoginShellPathOptions,
  env: NodeJS.ProcessEnv,
): Promise<{ ok: true; path: string } | { ok: false; reason: string }> {
  // A Windows app gets the user's PATH from the registry; there is no login shell to ask.
  if ((options.platform ?? process.platform) === 'win32') {
    return { ok: false, reason: 'not needed on Windows' };
  }
  const timeoutMs = options.timeoutMs ?? LOGIN_SHELL_TIMEOUT_MS;
  const timers = options.timers ?? systemTimers;
  const read = options.readShellEnv ?? shellEnv;
  const shell = env.SHELL || undefined;
  let cancel = () => {};
  const timedOut = new Promise<{ ok: false; reason: string }>((resolve) => {
    cancel = timers.after(timeoutMs, () =>
      resolve({
        ok: false,
        reason: `${shell ?? 'the login shell'} did not answer within ${timeoutMs / 1000} s`,
      }),
    );
  });
  const answered = Promise.resolve()
    .then(() => read(shell))
    .then(
      (shellEnvironment) => {
        const path = shellEnvironment.PATH;
        return typeof path === 'string' && path.trim() !== ''
          ? { ok: true as const, path: path.trim() }
          : { ok: false as const, reason: `${shell ?? 'the login shell'} printed no PATH` };
      },
      (error: unknown) => ({
        ok: false as const,
        // execa's message repeats the whole command line and output; the first line says enough.
        reason: `${shell ?? 'the login shell'} failed: ${errorMessage(error).split('\n', 1)[0]}`,
      }),
    );
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    cancel();
  }
}

function splitPath(value: string | undefined, separator: string): string[] {
  return (value ?? '').split(separator).filter((entry) => entry !== '');
}
