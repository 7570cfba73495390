// The JSON view: a CodeMirror 6 editor over the draft text, with the core's problems marked at
// their line and column. The draft lives in the store; the editor reports each change and takes
// outside changes (the form's edits) as one replacement, so undo keeps working for typing.
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import { json } from '@codemirror/lang-json';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, highlightSpecialChars } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import type { JsonProblem } from '../../../../shared/contract';

export interface JsonEditorHandle {
  /**
   * Puts the cursor at a problem's line and column and scrolls the editor to it; focuses the
   * editor unless `focus` is false (the form has the person's attention).
   */
  reveal(problem: JsonProblem, focus?: boolean): void;
}

// Colours from the app's stylesheet, so the editor follows light and dark like everything else.
const appTheme = EditorView.theme({
  '&': {
    color: 'var(--text)',
    backgroundColor: 'var(--panel)',
    border: '1px solid var(--border)',
    borderRadius: '6px',
    fontSize: '13px',
  },
  '&.cm-focused': { outline: '2px solid var(--accent)' },
  '.cm-content': { caretColor: 'var(--text)' },
  '.cm-gutters': {
    backgroundColor: 'var(--code-bg)',
    color: 'var(--muted)',
    borderRight: '1px solid var(--border)',
  },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'var(--code-bg)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'color-mix(in srgb, var(--accent) 30%, transparent)',
  },
  '.cm-cursor': { borderLeftColor: 'var(--text)' },
  '.cm-tooltip': {
    backgroundColor: 'var(--panel)',
    color: 'var(--text)',
    border: '1px solid var(--border)',
  },
});

// JSON's few token kinds in the app's colours, readable on both the light and the dark panel.
const jsonHighlight = HighlightStyle.define([
  { tag: tags.propertyName, color: 'var(--accent)' },
  { tag: tags.string, color: 'var(--allow)' },
  { tag: [tags.number, tags.bool, tags.null], color: 'var(--warn)' },
  { tag: tags.invalid, color: 'var(--deny)' },
]);

export function JsonEditor({
  value,
  onChange,
  problems,
  label,
  ref,
}: {
  value: string;
  onChange(text: string): void;
  problems: readonly JsonProblem[];
  label: string;
  ref?: Ref<JsonEditorHandle>;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // The latest onChange, so the editor (made once) never calls a stale one.
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          // basicSetup marks most invisible characters; these bidirectional embeddings and isolate
          // are not among them, and would reorder the text after them unseen.
          highlightSpecialChars({ addSpecialChars: /[\u202a-\u202c\u2068]/ }),
          json(),
          syntaxHighlighting(jsonHighlight),
          lintGutter(),
          appTheme,
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // Made once; value and problems are pushed in by the effects below.
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (!editor || editor.state.doc.toString() === value) return;
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    editor.dispatch(
      setDiagnostics(
        editor.state,
        problems.map((p) => diagnostic(editor, p)),
      ),
    );
  }, [problems, value]);

  useImperativeHandle(ref, () => ({
    reveal(problem, focus = true) {
      const editor = view.current;
      if (!editor) return;
      const at = offsetOf(editor, problem);
      if (focus) {
        editor.dispatch({ selection: { anchor: at }, scrollIntoView: true });
        editor.focus();
        return;
      }
      // CodeMirror's scrollIntoView scrolls the page too; only the editor's own box moves here.
      editor.dispatch({ selection: { anchor: at } });
      const { scrollDOM } = editor;
      scrollDOM.scrollTop = Math.max(0, editor.lineBlockAt(at).top - scrollDOM.clientHeight / 3);
    },
  }));

  return <div className="json-editor" ref={host} />;
}

function diagnostic(editor: EditorView, problem: JsonProblem): Diagnostic {
  const from = offsetOf(editor, problem);
  const line = editor.state.doc.lineAt(from);
  return {
    from,
    // Marks to the end of the line: enough to see, and never past the document.
    to: Math.max(from, line.to),
    severity: 'error',
    message: `${problem.path || '/'}: ${problem.message}`,
  };
}

/** The document offset of a problem's line and column (1-based); the start when it has none. */
function offsetOf(editor: EditorView, problem: JsonProblem): number {
  const { doc } = editor.state;
  if (problem.line === undefined || problem.line < 1 || problem.line > doc.lines) return 0;
  const line = doc.line(problem.line);
  return Math.min(line.from + Math.max(0, (problem.column ?? 1) - 1), line.to);
}
