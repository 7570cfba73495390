// The add/edit server form's state and every way it changes: the values typed or pasted, the
// connection test and the save on their way, and what the core said about the entry.
import type { ConnectionTest, JsonProblem, ServerDraft } from '../../../../shared/contract';
import { emptyForm, formFromDraft, formFromPaste, type FormValues } from './server-form';
import type { Outcome } from './servers-store';

export interface ServerFormState {
  values: FormValues;
  /** True while an edited server's saved entry is being read. */
  loading: boolean;
  saving: boolean;
  testing: boolean;
  /** The last connection test's result, for the values as they were tested. */
  tested?: ConnectionTest;
  /** The core's problems with the entry, by path, shown next to the fields they name. */
  problems: JsonProblem[];
  /** Why the last test or save was refused. */
  message?: string;
  /** Whether a new server starts with a policy that asks before every call. */
  starter: boolean;
  pasteOpen: boolean;
  paste: string;
  /** What filling the form from the paste did, or why it could not. */
  pasteNote?: string;
}

export type ServerFormAction =
  | { type: 'draft-read'; result: Outcome<ServerDraft> }
  | { type: 'changed'; patch: Partial<FormValues> }
  | { type: 'starter-set'; starter: boolean }
  | { type: 'paste-toggled' }
  | { type: 'paste-typed'; text: string }
  | { type: 'paste-filled' }
  | { type: 'test-started' }
  | { type: 'test-finished'; result: Outcome<ConnectionTest> }
  | { type: 'save-started' }
  | { type: 'save-finished'; result: Outcome<unknown>; adding: boolean };

/** An empty form; an edited server's form waits for its saved entry. */
export function initialFormState(editing: boolean): ServerFormState {
  return {
    values: emptyForm(),
    loading: editing,
    saving: false,
    testing: false,
    problems: [],
    starter: true,
    pasteOpen: false,
    paste: '',
  };
}

export function serverFormReducer(
  state: ServerFormState,
  action: ServerFormAction,
): ServerFormState {
  switch (action.type) {
    case 'draft-read':
      return action.result.ok
        ? { ...state, loading: false, values: formFromDraft(action.result.value) }
        : { ...state, loading: false, message: action.result.message };
    case 'changed':
      // A test said something about the values as they were; it no longer holds.
      return { ...state, values: { ...state.values, ...action.patch }, tested: undefined };
    case 'starter-set':
      return { ...state, starter: action.starter };
    case 'paste-toggled':
      return { ...state, pasteOpen: !state.pasteOpen };
    case 'paste-typed':
      return { ...state, paste: action.text };
    case 'paste-filled': {
      const result = formFromPaste(state.paste, state.values);
      if (!result.ok) return { ...state, pasteNote: result.error };
      return {
        ...state,
        values: result.values,
        tested: undefined,
        pasteNote: result.note ?? 'Filled in; check the fields below.',
      };
    }
    case 'test-started':
      return { ...state, testing: true, tested: undefined, message: undefined, problems: [] };
    case 'test-finished':
      return action.result.ok
        ? { ...state, testing: false, tested: action.result.value }
        : refused({ ...state, testing: false }, action.result);
    case 'save-started':
      return { ...state, saving: true, message: undefined, problems: [] };
    case 'save-finished':
      if (!action.result.ok) return refused({ ...state, saving: false }, action.result);
      // An added server leaves the form empty for the next one.
      return action.adding
        ? { ...state, saving: false, values: emptyForm(), tested: undefined }
        : { ...state, saving: false };
  }
}

function refused(
  state: ServerFormState,
  result: { message: string; problems: JsonProblem[] },
): ServerFormState {
  return { ...state, message: result.message, problems: result.problems };
}
