// The settings table as the two ways in see it: settings.update's input schema and config.json's
// reader both take each setting up to the table's limits and refuse it past them.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/main/core/config/parse-config';
import { COMMANDS } from '../../../src/shared/contract';
import { settingSpecs, type SettingSpec } from '../../../src/shared/model/settings';

const update = COMMANDS['settings.update'].input;

/** Values the setting takes and values it refuses, as the app sends them. */
function valuesOf(spec: SettingSpec): { good: unknown[]; bad: unknown[] } {
  switch (spec.kind) {
    case 'integer':
    case 'duration':
      return {
        good: spec.max === undefined ? [spec.min] : [spec.min, spec.max],
        bad: [spec.min - 1, spec.min + 0.5, ...(spec.max === undefined ? [] : [spec.max + 1])],
      };
    case 'boolean':
      return { good: [true, false], bad: ['yes', 1] };
    case 'choice':
      return { good: spec.choices.map((c) => c.value), bad: ['sometimes'] };
    case 'redaction':
      return { good: [{ patterns: [], fields: ['pin'] }], bad: [{ fields: 'pin' }] };
  }
}

const editable = settingSpecs().filter(([, spec]) => spec.editable);
const fixed = settingSpecs().filter(([, spec]) => !spec.editable);

describe('settings.update', () => {
  it.each(editable)('takes %s within its limits and refuses it past them', (key, spec) => {
    const { good, bad } = valuesOf(spec);
    for (const value of good) expect(update.safeParse({ [key]: value }).success).toBe(true);
    for (const value of bad) expect(update.safeParse({ [key]: value }).success).toBe(false);
  });

  it.each(fixed)('refuses %s, which only config.json sets', (key, spec) => {
    expect(update.safeParse({ [key]: valuesOf(spec).good[0] }).success).toBe(false);
  });
});

describe("config.json's settings", () => {
  const read = (settings: Record<string, unknown>) =>
    parseConfig(JSON.stringify({ settings }, null, 2));

  it.each(settingSpecs())('reads %s within its limits and refuses it past them', (key, spec) => {
    const fileKey = spec.kind === 'duration' ? spec.fileKey : key;
    // config.json gives a duration in seconds; it takes any positive one up to the maximum.
    const asWritten = (value: unknown) =>
      spec.kind === 'duration' ? `${Number(value) / 1000}s` : value;
    const { good, bad } = valuesOf(spec);
    for (const value of good) {
      const parsed = read({ [fileKey]: asWritten(value) });
      expect(parsed).toMatchObject({ ok: true, value: { settings: { [key]: value } } });
    }
    const refused = spec.kind === 'duration' ? [spec.max + 1000, 0] : bad;
    for (const value of refused) {
      const parsed = read({ [fileKey]: asWritten(value) });
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.errors[0]?.path).toMatch(new RegExp(`^/settings/${fileKey}`));
    }
  });
});
