// What the person reads when the app cannot start: what went wrong and what to do, for the error
// dialog (a tray app that fails silently leaves nothing to click) and the log.
import { ConfigProblem } from '../files/config-file';
import { AlreadyRunning } from '../files/running-file';

export interface StartupFailure {
  title: string;
  /** What went wrong and what to do about it. */
  message: string;
}

export function explainStartupFailure(error: unknown, dataDir: string): StartupFailure {
  if (error instanceof AlreadyRunning) {
    return {
      title: 'Airlock is already running',
      message: `${error.message}\n\nIf that is \`airlock serve\`, open its UI in a browser, or stop it (Ctrl+C) and start the app again.`,
    };
  }
  if (error instanceof ConfigProblem) {
    return {
      title: 'config.json has problems',
      message: `Airlock could not read its configuration:\n\n${error.message}\n\nFix the file in ${dataDir} (each problem gives its line and column) and start Airlock again.`,
    };
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const text = error instanceof Error ? error.message : String(error);
  if (code === 'EADDRINUSE') {
    return {
      title: 'Airlock’s port is in use',
      message: `${text}\n\nAnother program (or another Airlock) listens on that port. Quit it, or set another "port" under "settings" in ${dataDir}/config.json (0 picks a free one), and start Airlock again.`,
    };
  }
  return {
    title: 'Airlock could not start',
    message: `${text}\n\nThe log in ${dataDir} (airlock.log) says more. If this keeps happening, \`npx airlock serve --data-dir "${dataDir}"\` runs the same Airlock without the desktop app.`,
  };
}
