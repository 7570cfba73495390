// Airlock's settings, once: each one's default, limits, label and help, whether the app may change
// it and when a change takes effect. The Settings type, the defaults, config.json's schema and
// reader, settings.update's input schema, the code that saves a change and the Settings screen are
// all derived from this table.

/** The user's additions to redaction: regular expressions and field names. */
export interface RedactionSettings {
  patterns: string[];
  fields: string[];
}

/**
 * When a change to a setting in config.json takes effect. `now`: in force at once. `saved`: kept
 * as the setting (the app shows it) but used from the next start, as settings.update does with
 * the port. `start`: read at start only; the value in force stays until a restart.
 */
export type TakesEffect = 'now' | 'saved' | 'start';

interface Described {
  /** What the Settings screen calls it. */
  label: string;
  /** What it does, in the words the Settings screen (and config.json's schema) shows. */
  help: string;
  takesEffect: TakesEffect;
  /** The app may change it while Airlock runs: settings.update and the Settings form. */
  editable: boolean;
}

export type SettingSpec = Described &
  (
    | {
        kind: 'integer';
        default: number;
        min: number;
        max?: number;
        /** What the number counts, as the form labels it ("" for none). */
        unit: string;
      }
    | {
        /**
         * Kept in milliseconds, shown in seconds, and written in config.json under `fileKey` as a
         * number of seconds or a duration such as "2m". `min` bounds what the app accepts;
         * config.json takes any positive duration up to `max`.
         */
        kind: 'duration';
        default: number;
        min: number;
        max: number;
        fileKey: string;
      }
    | { kind: 'boolean'; default: boolean }
    | { kind: 'choice'; default: string; choices: readonly { value: string; label: string }[] }
    | {
        kind: 'redaction';
        default: { readonly patterns: readonly string[]; readonly fields: readonly string[] };
      }
  );

const DAY_MS = 24 * 3_600_000;

/** Every setting, in the order the Settings screen shows them. */
export const SETTINGS = {
  approvalTimeoutMs: {
    kind: 'duration',
    fileKey: 'approvalTimeout',
    default: 2 * 60_000,
    min: 1000,
    max: DAY_MS,
    label: 'Approval timeout',
    help: 'How long a held call waits for an answer, unless its rule sets approval.timeout.',
    takesEffect: 'now',
    editable: true,
  },
  maxPendingApprovals: {
    kind: 'integer',
    default: 50,
    min: 1,
    max: 10_000,
    unit: 'calls',
    label: 'Max pending approvals',
    help: 'Held calls waiting at one time, across all clients; more are refused.',
    takesEffect: 'now',
    editable: true,
  },
  maxPendingApprovalsPerGrant: {
    kind: 'integer',
    default: 10,
    min: 1,
    max: 10_000,
    unit: 'calls',
    label: 'Max pending approvals per client',
    help: 'Held calls waiting at one time for one client; more are refused.',
    takesEffect: 'now',
    editable: true,
  },
  port: {
    kind: 'integer',
    default: 7820,
    min: 0,
    max: 65_535,
    unit: '',
    label: 'Port',
    help: 'Where Airlock listens from its next start (0 picks a free port); agents then need the new address.',
    takesEffect: 'saved',
    editable: true,
  },
  retentionDays: {
    kind: 'integer',
    default: 90,
    min: 1,
    max: 3650,
    unit: 'days',
    label: 'History retention',
    help: 'Calls older than this are deleted from the history.',
    takesEffect: 'now',
    editable: true,
  },
  notifications: {
    kind: 'boolean',
    default: true,
    label: 'Notifications',
    help: 'The desktop app shows a notification when a call waits for your approval; click it to answer on Pending.',
    takesEffect: 'now',
    editable: true,
  },
  notificationSound: {
    kind: 'boolean',
    default: false,
    label: 'Notification sound',
    help: 'Those notifications play the system’s sound.',
    takesEffect: 'now',
    editable: true,
  },
  changedToolDefinitions: {
    kind: 'choice',
    default: 'hold',
    choices: [
      { value: 'hold', label: 'Hold them for my approval' },
      { value: 'refuse', label: 'Refuse them' },
    ],
    label: 'Calls to changed tools',
    help: 'A call to a tool whose definition changed since you accepted it, until you accept the new one on Servers or Pending.',
    takesEffect: 'now',
    editable: true,
  },
  maxBodyBytes: {
    kind: 'integer',
    default: 4 * 1024 * 1024,
    min: 1024,
    unit: 'bytes',
    label: 'Request body cap',
    help: 'Requests with a larger body get HTTP 413.',
    takesEffect: 'start',
    editable: false,
  },
  maxMessageBytes: {
    kind: 'integer',
    default: 16 * 1024 * 1024,
    min: 65_536,
    unit: 'bytes',
    label: 'Upstream message cap',
    help: 'One upstream message (a result, a notification) larger than this fails its call instead of being held in memory.',
    takesEffect: 'start',
    editable: false,
  },
  upstreamTimeoutMs: {
    kind: 'duration',
    fileKey: 'upstreamTimeout',
    default: 60_000,
    min: 1,
    max: DAY_MS,
    label: 'Upstream timeout',
    help: 'An upstream request without a response after this long fails with a clear error.',
    takesEffect: 'start',
    editable: false,
  },
  redaction: {
    kind: 'redaction',
    default: { patterns: [], fields: [] },
    label: 'Redaction additions',
    help: 'Regular expressions and field names redacted in addition to the built-in ones.',
    takesEffect: 'now',
    editable: false,
  },
} as const satisfies Record<string, SettingSpec>;

type Table = typeof SETTINGS;
export type SettingKey = keyof Table;

type ValueOf<S> = S extends { kind: 'integer' | 'duration' }
  ? number
  : S extends { kind: 'boolean' }
    ? boolean
    : S extends { kind: 'choice'; choices: readonly { value: infer V }[] }
      ? V
      : RedactionSettings;

export type Settings = { -readonly [K in SettingKey]: ValueOf<Table[K]> };

type KeysWhere<Test> = { [K in SettingKey]: Table[K] extends Test ? K : never }[SettingKey];

/** The settings the app lets a user change while Airlock runs. */
export type EditableSettings = Pick<Settings, KeysWhere<{ editable: true }>>;

/** The settings Airlock reads only when it starts (the listener, the upstream channels). */
export type StartSettings = Pick<Settings, KeysWhere<{ takesEffect: 'start' }>>;

/** A setting's description, whatever its kind (Object.entries would lose the kinds). */
export function settingSpecs(): [SettingKey, SettingSpec][] {
  return Object.entries(SETTINGS) as [SettingKey, SettingSpec][];
}

/** The editable settings' keys, in the table's order. */
export const EDITABLE_SETTING_KEYS = settingSpecs()
  .filter(([, spec]) => spec.editable)
  .map(([key]) => key) as (keyof EditableSettings)[];

/** Each setting's default; a copy of it is the settings of an install with no config.json. */
export const DEFAULT_SETTINGS: Settings = Object.fromEntries(
  settingSpecs().map(([key, spec]) => [
    key,
    spec.kind === 'redaction'
      ? { patterns: [...spec.default.patterns], fields: [...spec.default.fields] }
      : spec.default,
  ]),
) as Settings;
