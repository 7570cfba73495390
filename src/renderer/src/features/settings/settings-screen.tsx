// Settings: the settings Airlock lets a person change while it runs, with the labels and limits of
// the settings table the core enforces (src/shared/model/settings.ts), and the settings only
// config.json sets, shown read-only with the value the file holds for the next start. While
// config.json is not in force, a banner says why.
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { StoreApi } from 'zustand/vanilla';
import type { ConfigStatus, EditableSettings, Settings } from '../../../../shared/contract';
import {
  EDITABLE_SETTING_KEYS,
  SETTINGS,
  type SettingSpec,
} from '../../../../shared/model/settings';
import { ConfigProblems } from '../../components/config-problems';
import type { BrowserAlertsState } from '../alerts/browser-alerts-store';
import { BrowserNotificationsSetting } from '../alerts/browser-notifications';
import { changedFields, type SettingsChange, type SettingsState } from './settings-store';

/** The settings typed as numbers; the notification settings are checkboxes. */
type Key = Exclude<keyof EditableSettings, ToggleKey | 'changedToolDefinitions'>;
type ToggleKey = 'notifications' | 'notificationSound';

const CHANGED_TOOLS = SETTINGS.changedToolDefinitions;

const TOGGLES = EDITABLE_SETTING_KEYS.flatMap((key) => {
  const spec: SettingSpec = SETTINGS[key];
  return spec.kind === 'boolean'
    ? [{ key: key as ToggleKey, label: spec.label, help: spec.help }]
    : [];
});

interface Field {
  key: Key;
  label: string;
  unit: string;
  help: string;
  min: number;
  max: number;
  /** The number the form shows for the setting's value, and back. */
  show(value: number): number;
  store(shown: number): number;
}

const same = (n: number) => n;

/** The settings typed as numbers, in the table's order; durations are typed in seconds. */
const FIELDS: readonly Field[] = EDITABLE_SETTING_KEYS.flatMap((key): Field[] => {
  const spec: SettingSpec = SETTINGS[key];
  const { label, help } = spec;
  if (spec.kind === 'duration') {
    const [min, max] = [spec.min / 1000, spec.max / 1000];
    const show = (ms: number) => ms / 1000;
    const store = (seconds: number) => seconds * 1000;
    return [{ key: key as Key, label, unit: 'seconds', help, min, max, show, store }];
  }
  if (spec.kind !== 'integer') return [];
  // The core bounds a setting the table gives no maximum; the form then takes any whole number.
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  return [
    { key: key as Key, label, unit: spec.unit, help, min: spec.min, max, show: same, store: same },
  ];
});

/** What is wrong with the text typed for a field, or undefined when it is a valid value. */
function problemWith(field: Field, text: string): string | undefined {
  const trimmed = text.trim();
  const range = `from ${field.min} to ${field.max.toLocaleString('en-US')}`;
  const of = field.unit ? ` of ${field.unit}` : '';
  if (!/^\d+$/.test(trimmed)) return `Enter a whole number${of}, ${range}.`;
  const value = Number(trimmed);
  if (value < field.min || value > field.max)
    return `Must be ${range}${field.unit ? ` ${field.unit}` : ''}.`;
  return undefined;
}

export function SettingsScreen({
  store,
  browserAlerts,
}: {
  store: StoreApi<SettingsState>;
  /** This browser's notifications (with `airlock serve` in a browser; not in the desktop app). */
  browserAlerts?: StoreApi<BrowserAlertsState>;
}) {
  const { settings, listeningPort, config, loaded, saving, error, savedAt } = useStore(
    store,
    useShallow((s) => ({
      settings: s.settings,
      listeningPort: s.listeningPort,
      config: s.config,
      loaded: s.loaded,
      saving: s.saving,
      error: s.error,
      savedAt: s.savedAt,
    })),
  );
  // Text typed into fields, by key; a field not typed into shows the core's current value.
  const [draft, setDraft] = useState<Partial<Record<Key, string>>>({});
  const [toggleDraft, setToggleDraft] = useState<Partial<Record<ToggleKey, boolean>>>({});
  const [changedTools, setChangedTools] = useState<Settings['changedToolDefinitions']>();

  useEffect(() => {
    void store.getState().load();
  }, [store]);

  // A successful save makes the typed values the settings: show the core's values again.
  useEffect(() => {
    if (savedAt === undefined) return;
    setDraft({});
    setToggleDraft({});
    setChangedTools(undefined);
  }, [savedAt]);

  const textOf = (field: Field) =>
    draft[field.key] ?? (settings ? String(field.show(settings[field.key])) : '');
  const problems = new Map<Key, string>();
  const change: SettingsChange = {
    ...toggleDraft,
    ...(changedTools === undefined ? {} : { changedToolDefinitions: changedTools }),
  };
  for (const field of FIELDS) {
    const text = draft[field.key];
    if (text === undefined) continue;
    const problem = problemWith(field, text);
    if (problem) problems.set(field.key, problem);
    else change[field.key] = field.store(Number(text.trim()));
  }
  const changed = Object.keys(changedFields(settings, change)).length > 0;
  const canSave = settings !== undefined && !saving && problems.size === 0 && changed;

  return (
    <section className="screen" aria-labelledby="settings-title">
      <header className="screen-header">
        <h2 id="settings-title">Settings</h2>
        {/* "Saved" speaks of the form as it is: any edit since, valid or not, takes it away. */}
        {saving ? (
          <span className="count" role="status">
            Saving…
          </span>
        ) : problems.size > 0 ? (
          <span className="count unsaved" role="status">
            Not saved: {problems.size === 1 ? 'a value' : `${problems.size} values`} to fix below
          </span>
        ) : changed ? (
          <span className="count" role="status">
            Unsaved changes
          </span>
        ) : savedAt !== undefined ? (
          <span className="count saved" role="status">
            Saved
          </span>
        ) : null}
      </header>
      {error && (
        <div className="banner error" role="alert">
          <div>
            <span>{error.message}</span>
            {error.problems && (
              <ul className="problems">
                {error.problems.map((p, i) => (
                  <li key={i}>
                    {p.path ? <code>{p.path}</code> : null} {p.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
          <button type="button" onClick={() => store.getState().dismissError()}>
            Dismiss
          </button>
        </div>
      )}
      <ConfigProblems config={config} />
      {!loaded ? (
        <p className="muted">Loading settings…</p>
      ) : settings === undefined ? null : (
        <>
          <form
            className="settings-form"
            aria-label="Settings Airlock can change while it runs"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              if (canSave) void store.getState().save(change);
            }}
          >
            {FIELDS.map((field) => {
              const id = `setting-${field.key}`;
              const problem = problems.get(field.key);
              return (
                <div className="field" key={field.key}>
                  <label htmlFor={id}>
                    {field.label}{' '}
                    {field.unit ? <span className="muted">({field.unit})</span> : null}
                  </label>
                  <input
                    id={id}
                    type="text"
                    inputMode="numeric"
                    value={textOf(field)}
                    aria-invalid={problem ? true : undefined}
                    aria-describedby={`${id}-help${problem ? ` ${id}-problem` : ''}`}
                    onChange={(event) =>
                      setDraft((d) => ({ ...d, [field.key]: event.target.value }))
                    }
                  />
                  {problem && (
                    <span className="field-problem" id={`${id}-problem`}>
                      {problem}
                    </span>
                  )}
                  <span className="hint muted" id={`${id}-help`}>
                    {field.help}
                  </span>
                </div>
              );
            })}
            {TOGGLES.map((toggle) => {
              const id = `setting-${toggle.key}`;
              return (
                <div className="field" key={toggle.key}>
                  <label htmlFor={id}>{toggle.label}</label>
                  <input
                    id={id}
                    type="checkbox"
                    className="checkbox"
                    checked={toggleDraft[toggle.key] ?? settings[toggle.key]}
                    aria-describedby={`${id}-help`}
                    onChange={(event) =>
                      setToggleDraft((drafts) => ({
                        ...drafts,
                        [toggle.key]: event.target.checked,
                      }))
                    }
                  />
                  <span className="hint muted" id={`${id}-help`}>
                    {toggle.help}
                  </span>
                </div>
              );
            })}
            <div className="field">
              <label htmlFor="setting-changedToolDefinitions">{CHANGED_TOOLS.label}</label>
              <select
                id="setting-changedToolDefinitions"
                value={changedTools ?? settings.changedToolDefinitions}
                aria-describedby="setting-changedToolDefinitions-help"
                onChange={(event) =>
                  setChangedTools(event.target.value as Settings['changedToolDefinitions'])
                }
              >
                {CHANGED_TOOLS.choices.map((choice) => (
                  <option key={choice.value} value={choice.value}>
                    {choice.label}
                  </option>
                ))}
              </select>
              <span className="hint muted" id="setting-changedToolDefinitions-help">
                {CHANGED_TOOLS.help}
              </span>
            </div>
            <div className="actions">
              <button type="submit" className="allow" disabled={!canSave}>
                Save
              </button>
              <button
                type="button"
                disabled={
                  (Object.keys(draft).length === 0 &&
                    Object.keys(toggleDraft).length === 0 &&
                    changedTools === undefined) ||
                  saving
                }
                onClick={() => {
                  setDraft({});
                  setToggleDraft({});
                  setChangedTools(undefined);
                }}
              >
                Undo changes
              </button>
            </div>
          </form>
          {browserAlerts && <BrowserNotificationsSetting store={browserAlerts} />}
          <ReadOnlySettings
            settings={settings}
            listeningPort={listeningPort}
            nextStart={config?.nextStart ?? {}}
          />
        </>
      )}
    </section>
  );
}

function ReadOnlySettings({
  settings,
  listeningPort,
  nextStart,
}: {
  settings: Settings;
  listeningPort: number | undefined;
  nextStart: ConfigStatus['nextStart'];
}) {
  const { patterns, fields } = settings.redaction;
  /** The file's value beside the one in force, when they differ. */
  const later = <T,>(value: T | undefined, format: (v: T) => string) =>
    value === undefined ? '' : ` (${format(value)} from the next start)`;
  return (
    <section className="read-only" aria-labelledby="settings-fixed-title">
      <h3 id="settings-fixed-title">Set in config.json</h3>
      <dl>
        <dt>Listening now on port</dt>
        <dd>
          {listeningPort ?? 'unknown'}
          {listeningPort !== undefined && listeningPort !== settings.port && settings.port !== 0
            ? ` (${settings.port} from the next start)`
            : ''}
        </dd>
        <dt>{SETTINGS.maxBodyBytes.label}</dt>
        <dd>
          {formatBytes(settings.maxBodyBytes)}
          {later(nextStart.maxBodyBytes, formatBytes)}
        </dd>
        <dt>{SETTINGS.maxMessageBytes.label}</dt>
        <dd>
          {formatBytes(settings.maxMessageBytes)}
          {later(nextStart.maxMessageBytes, formatBytes)}
        </dd>
        <dt>{SETTINGS.upstreamTimeoutMs.label}</dt>
        <dd>
          {formatSeconds(settings.upstreamTimeoutMs)}
          {later(nextStart.upstreamTimeoutMs, formatSeconds)}
        </dd>
        <dt>{SETTINGS.redaction.label}</dt>
        <dd>
          {count(patterns.length, 'pattern')}, {count(fields.length, 'field')}
        </dd>
      </dl>
      <p className="hint muted">
        Change these under <code>&quot;settings&quot;</code> in <code>config.json</code> in the data
        folder. Airlock watches the file: <code>redaction</code>, like the settings above, applies
        as soon as the file is saved; <code>port</code>, <code>maxBodyBytes</code>,{' '}
        <code>maxMessageBytes</code> and <code>upstreamTimeout</code> are read when Airlock starts,
        so they apply from the next start.
      </p>
    </section>
  );
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes.toLocaleString('en-US')} bytes`;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${seconds.toLocaleString('en-US')} s`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
