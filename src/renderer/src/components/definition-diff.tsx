// What changed in a tool's definition, side by side: the accepted definition on the left, the new
// one on the right, one table per field, the changed part of a changed line marked. The rows come
// from the core (hidden characters already written as escapes); everything here is shown as text.
import type { DefinitionChange, DiffRow, FieldDiff } from '../../../shared/contract';
import { shown } from './shown-text';
import './definition-diff.css';

const FIELD_LABELS: Record<FieldDiff['field'], string> = {
  name: 'Name',
  title: 'Title',
  description: 'Description',
  inputSchema: 'Input schema',
  outputSchema: 'Output schema',
  annotations: 'Annotations',
};

/** A line as the diff shows it; the core already cut lines to a few thousand characters. */
const LINE_MAX = 2_000;

export function DefinitionDiff({ change, tool }: { change: DefinitionChange; tool: string }) {
  return (
    <div className="definition-diff" aria-label={`What changed in the definition of ${tool}`}>
      {change.fields.map((field) => (
        <table
          key={field.field}
          className="diff-table"
          aria-label={`${FIELD_LABELS[field.field]}: accepted and new`}
        >
          <caption>{FIELD_LABELS[field.field]}</caption>
          <thead>
            <tr>
              <th scope="col">Accepted</th>
              <th scope="col">New</th>
            </tr>
          </thead>
          <tbody>
            {field.rows.map((row, index) => (
              <Row key={index} row={row} />
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}

function Row({ row }: { row: DiffRow }) {
  switch (row.kind) {
    case 'same':
      return (
        <tr className="diff-same">
          <td>{shown(row.text, LINE_MAX)}</td>
          <td>{shown(row.text, LINE_MAX)}</td>
        </tr>
      );
    case 'skipped':
      return (
        <tr className="diff-skipped">
          <td colSpan={2}>
            … {row.lines} unchanged line{row.lines === 1 ? '' : 's'}
          </td>
        </tr>
      );
    case 'cut':
      return (
        <tr className="diff-skipped">
          <td colSpan={2}>
            … {row.rows} more line{row.rows === 1 ? '' : 's'} not shown: this diff is too long to
            show whole
          </td>
        </tr>
      );
    case 'removed':
      return (
        <tr>
          <td className="diff-old">{shown(row.before, LINE_MAX)}</td>
          <td className="diff-none" />
        </tr>
      );
    case 'added':
      return (
        <tr>
          <td className="diff-none" />
          <td className="diff-new">{shown(row.after, LINE_MAX)}</td>
        </tr>
      );
    case 'changed': {
      const [before, after] = [shown(row.before, LINE_MAX), shown(row.after, LINE_MAX)];
      const { prefix, suffix } = sharedEnds(before, after);
      return (
        <tr>
          <td className="diff-old">
            <Marked text={before} prefix={prefix} suffix={suffix} />
          </td>
          <td className="diff-new">
            <Marked text={after} prefix={prefix} suffix={suffix} />
          </td>
        </tr>
      );
    }
  }
}

/** `text` with the part between its shared start and end marked (nothing marked if empty). */
function Marked({ text, prefix, suffix }: { text: string; prefix: number; suffix: number }) {
  const middle = text.slice(prefix, text.length - suffix);
  return (
    <>
      {text.slice(0, prefix)}
      {middle !== '' && <mark>{middle}</mark>}
      {text.slice(text.length - suffix)}
    </>
  );
}

/** How many UTF-16 units both texts share at the start and at the end, never half a character. */
function sharedEnds(a: string, b: string): { prefix: number; suffix: number } {
  const limit = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < limit && a[prefix] === b[prefix]) prefix++;
  if (prefix > 0 && isHighSurrogate(a.charCodeAt(prefix - 1))) prefix--;
  let suffix = 0;
  while (suffix < limit - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) {
    suffix++;
  }
  if (suffix > 0 && isLowSurrogate(a.charCodeAt(a.length - suffix))) suffix--;
  return { prefix, suffix };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
