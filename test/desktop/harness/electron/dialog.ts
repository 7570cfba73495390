// The fake `dialog`: error boxes and message boxes are recorded. A message box is answered from
// the answers the DesktopApp queued (in order), or, for the async one, stays open until a test
// answers it, as it would wait for the person.
import type { DialogAnswer, DialogState } from '../control-protocol';
import { app } from './app';
import { BrowserWindow } from './browser-window';
import { changed, onRequest, options, reportState } from './control';
import { toJson } from './json';
import { notEmulated, strict } from './strict';

interface OpenDialog {
  state: DialogState;
  answer?: (answer: DialogAnswer) => void;
}

const all: OpenDialog[] = [];
const queued: DialogAnswer[] = [...(options.dialogAnswers ?? [])];

/** Only the error box may open before ready, to report a failed start. */
function requireReady(what: string): void {
  if (!app.isReady()) throw new Error(`dialog.${what} cannot be used before the app is ready`);
}

/** Electron's (window?, options) overloads. */
function splitArgs(args: unknown[]): { window?: BrowserWindow; options: Record<string, unknown> } {
  const [first, second] = args;
  if (first instanceof BrowserWindow) return { window: first, options: asOptions(second) };
  return { options: asOptions(first) };
}

function asOptions(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new TypeError('Options must be an object');
  if (typeof (value as { message?: unknown }).message !== 'string') {
    throw new TypeError('Options must have a message string');
  }
  return value as Record<string, unknown>;
}

function record(
  kind: DialogState['kind'],
  window: BrowserWindow | undefined,
  opts: Record<string, unknown>,
): OpenDialog {
  const dialog: OpenDialog = {
    state: {
      id: all.length,
      kind,
      ...(window ? { window: window.id } : {}),
      title: String(opts['title'] ?? ''),
      message: String(opts['message'] ?? ''),
      detail: String(opts['detail'] ?? ''),
      buttons: Array.isArray(opts['buttons']) ? (opts['buttons'] as unknown[]).map(String) : [],
      options: toJson(opts),
    },
  };
  all.push(dialog);
  changed();
  return dialog;
}

function check(dialog: DialogState, answer: DialogAnswer): DialogAnswer {
  const buttons = Math.max(1, dialog.buttons.length);
  if (!Number.isInteger(answer.response) || answer.response < 0 || answer.response >= buttons) {
    throw new Error(`dialog ${dialog.id} has ${buttons} button(s); ${answer.response} is not one`);
  }
  return { response: answer.response, checkboxChecked: answer.checkboxChecked ?? false };
}

export const dialog = strict(
  {
    showErrorBox(title: string, content: string): void {
      if (typeof title !== 'string' || typeof content !== 'string') {
        throw new TypeError('showErrorBox needs a title and a content string');
      }
      const opened = record('errorBox', undefined, { title, message: content });
      opened.state.answer = { response: 0, checkboxChecked: false };
    },

    showMessageBox(...args: unknown[]): Promise<{ response: number; checkboxChecked: boolean }> {
      requireReady('showMessageBox');
      const { window, options: opts } = splitArgs(args);
      const opened = record('messageBox', window, opts);
      return new Promise((resolve) => {
        opened.answer = (answer) => {
          const checked = check(opened.state, answer);
          opened.state.answer = checked;
          opened.answer = undefined;
          changed();
          resolve({
            response: checked.response,
            checkboxChecked: checked.checkboxChecked ?? false,
          });
        };
        const next = queued.shift();
        if (next) opened.answer(next);
      });
    },

    showMessageBoxSync(...args: unknown[]): number {
      requireReady('showMessageBoxSync');
      const { window, options: opts } = splitArgs(args);
      const opened = record('messageBoxSync', window, opts);
      const next = queued.shift();
      if (!next) {
        return notEmulated(
          'dialog.showMessageBoxSync without a queued answer',
          'it would block the main process until answered; queue one with dialogAnswers',
        );
      }
      opened.state.answer = check(opened.state, next);
      changed();
      return opened.state.answer.response;
    },

    showOpenDialog: () => notEmulated('dialog.showOpenDialog'),
    showOpenDialogSync: () => notEmulated('dialog.showOpenDialogSync'),
    showSaveDialog: () => notEmulated('dialog.showSaveDialog'),
    showSaveDialogSync: () => notEmulated('dialog.showSaveDialogSync'),
    showCertificateTrustDialog: () => notEmulated('dialog.showCertificateTrustDialog'),
  },
  'dialog',
);

onRequest('answerDialog', ({ id, answer }) => {
  const opened = all[id];
  if (!opened) throw new Error(`there is no dialog ${id}`);
  if (!opened.answer) throw new Error(`dialog ${id} is not waiting for an answer`);
  opened.answer(answer);
});

onRequest('queueDialogAnswers', ({ answers }) => {
  queued.push(...answers);
});

export function dialogStates(): DialogState[] {
  return all.map((opened) => ({ ...opened.state }));
}

reportState(() => ({ dialogs: dialogStates() }));
