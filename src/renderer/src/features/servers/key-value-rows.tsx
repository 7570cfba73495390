// The name and value rows of a server's environment or headers. A saved value is never sent back
// to the renderer: its row shows it as kept until the person replaces or removes it.
import type { KeyValueRow } from './server-form';

export function KeyValueRows({
  label,
  rows,
  onChange,
}: {
  label: string;
  rows: KeyValueRow[];
  onChange(rows: KeyValueRow[]): void;
}) {
  const set = (index: number, patch: Partial<KeyValueRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <div className="kv-rows">
      {rows.map((row, index) => (
        <div className="kv-row" key={index} role="group" aria-label={`${label} ${index + 1}`}>
          <input
            type="text"
            aria-label={`${label} name`}
            placeholder="NAME"
            value={row.key}
            disabled={row.kept}
            spellCheck={false}
            onChange={(event) => set(index, { key: event.target.value })}
          />
          {row.kept ? (
            <>
              <span className="kept-value" aria-label={`${row.key} value`}>
                •••••• saved, kept as is
              </span>
              <button type="button" onClick={() => set(index, { kept: false, value: '' })}>
                Replace
              </button>
            </>
          ) : (
            <input
              type="password"
              autoComplete="off"
              aria-label={`${label} value`}
              placeholder="value"
              value={row.value}
              onChange={(event) => set(index, { value: event.target.value })}
            />
          )}
          <button
            type="button"
            aria-label={`Remove ${label.toLowerCase()} ${row.key || index + 1}`}
            onClick={() => onChange(rows.filter((_, i) => i !== index))}
          >
            ✕
          </button>
        </div>
      ))}
      <button
        type="button"
        className="link"
        onClick={() => onChange([...rows, { key: '', value: '', kept: false }])}
      >
        + Add {label.toLowerCase()}
      </button>
      <p className="hint muted">
        Values are stored in config.json (readable by you alone) and never shown again here.
      </p>
    </div>
  );
}
