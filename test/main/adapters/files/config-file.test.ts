// loadConfig and updateConfigJson against a real data directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigEditError,
  describeConfigProblems,
  loadConfig,
  saveSettings,
  updateConfigJson,
} from '../../../../src/main/adapters/files/config-file';
import { configPath } from '../../../../src/main/adapters/files/data-dir';
import { DEFAULT_SETTINGS } from '../../../../src/main/core/config/types';
import {
  EDITABLE_SETTING_KEYS,
  SETTINGS,
  type SettingSpec,
} from '../../../../src/shared/model/settings';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-cfg-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const writeConfig = (text: string) => fs.writeFileSync(configPath(dir), text);
const readConfig = () => fs.readFileSync(configPath(dir), 'utf8');

describe('loadConfig', () => {
  it('treats a missing config.json as an empty config with default settings', () => {
    expect(loadConfig(dir)).toEqual({
      ok: true,
      value: { servers: [], grants: [], settings: DEFAULT_SETTINGS },
    });
  });

  it('reads servers, grants and settings', () => {
    writeConfig(
      JSON.stringify({
        mcpServers: { meatspace: { url: 'https://meatspace.example/api/mcp' } },
        grants: { cursor: { created: '2025-01-02T03:04:05.000Z' } },
        settings: { port: 9000 },
      }),
    );
    const r = loadConfig(dir);
    expect(r.ok && r.value.grants).toEqual([
      { name: 'cursor', created: '2025-01-02T03:04:05.000Z' },
    ]);
    expect(r.ok && r.value.servers[0]).toMatchObject({ id: 'meatspace', transport: 'http' });
    expect(r.ok && r.value.settings.port).toBe(9000);
  });

  it('reports syntax errors with line and column', () => {
    writeConfig('{\n  "grants": {}\n  "settings": {}\n}\n'); // missing comma
    const r = loadConfig(dir);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ line: 3, column: 3 });
  });

  it('reports unknown keys with path, line and column', () => {
    writeConfig('{\n  "grants": {},\n  "bogus": 1\n}\n');
    const r = loadConfig(dir);
    expect(r).toMatchObject({ ok: false, errors: [{ path: '/bogus', line: 3, column: 3 }] });
    if (!r.ok) {
      expect(describeConfigProblems(dir, r.errors)).toBe(
        `${configPath(dir)}:3:3: /bogus: ${r.errors[0]!.message}`,
      );
    }
  });

  it.skipIf(process.platform === 'win32' || process.getuid?.() === 0)(
    'reports an unreadable file as a problem, not an exception',
    () => {
      writeConfig('{}');
      fs.chmodSync(configPath(dir), 0o000);
      const r = loadConfig(dir);
      expect(r).toMatchObject({
        ok: false,
        errors: [{ message: expect.stringMatching(/cannot read/) }],
      });
    },
  );
});

describe('updateConfigJson', () => {
  it('creates config.json, private to the user, when it is missing', () => {
    updateConfigJson(dir, ['grants', 'cli'], { created: '2025-01-01T00:00:00.000Z' });
    expect(JSON.parse(readConfig())).toEqual({
      grants: { cli: { created: '2025-01-01T00:00:00.000Z' } },
    });
    if (process.platform !== 'win32') expect(fs.statSync(configPath(dir)).mode & 0o777).toBe(0o600);
    expect(loadConfig(dir).ok).toBe(true);
  });

  it("keeps the user's formatting, key order and other keys", () => {
    const original = [
      '{',
      '    "settings": { "port": 9000 },',
      '    "mcpServers": {',
      '        "meatspace": {"url": "https://meatspace.example/api/mcp"}',
      '    }',
      '}',
      '',
    ].join('\n');
    writeConfig(original);
    updateConfigJson(dir, ['grants', 'cli'], { created: '2025-01-01T00:00:00.000Z' });
    const text = readConfig();
    expect(text.startsWith(original.slice(0, original.lastIndexOf('    }')))).toBe(true);
    expect(text).toContain('        "cli": {\n            "created": "2025-01-01T00:00:00.000Z"');
    updateConfigJson(dir, ['grants', 'cli'], undefined);
    expect(JSON.parse(readConfig())).toEqual({ ...JSON.parse(original), grants: {} });
  });

  it('removes a key without reformatting the entry before it', () => {
    const rest = [
      '{',
      '    "mcpServers": {  "a": { "command": "x", "args": ["1", "2"] }  },',
      '    "settings": { "port": 9000 }',
      '}',
      '',
    ];
    writeConfig([...rest.slice(0, 2), '    "grants": { "cli": {} },', ...rest.slice(2)].join('\n'));
    updateConfigJson(dir, ['grants'], undefined);
    expect(readConfig()).toBe(rest.join('\n'));
  });

  it('refuses to rewrite a file it cannot parse, and leaves it alone', () => {
    writeConfig('{ "grants": { ');
    expect(() => updateConfigJson(dir, ['grants', 'x'], {})).toThrow(ConfigEditError);
    expect(() => updateConfigJson(dir, ['grants', 'x'], {})).toThrow(/line 1, column/);
    expect(readConfig()).toBe('{ "grants": { ');
    writeConfig('[]');
    expect(() => updateConfigJson(dir, ['grants', 'x'], {})).toThrow(/JSON object/);
  });
});

describe('saveSettings', () => {
  /** A value other than the default that the setting takes. */
  function otherValue(spec: SettingSpec): unknown {
    if (spec.kind === 'integer') return spec.max ?? spec.min + 1;
    if (spec.kind === 'duration') return spec.max;
    if (spec.kind === 'boolean') return !spec.default;
    if (spec.kind === 'choice') return spec.choices.find((c) => c.value !== spec.default)?.value;
    throw new Error('redaction is not editable');
  }

  it.each(EDITABLE_SETTING_KEYS)('writes %s where config.json is read from', (key) => {
    writeConfig('{\n    "mcpServers": {},\n    "settings": {}\n}\n');
    const value = otherValue(SETTINGS[key]);
    saveSettings(dir, { [key]: value });
    const config = loadConfig(dir);
    expect(config.ok && config.value.settings[key]).toBe(value);
    expect(config.ok && config.value.settings).toEqual({ ...DEFAULT_SETTINGS, [key]: value });
  });

  it('refuses a change as a conflict when config.json has syntax errors, leaving it as it is', () => {
    writeConfig('{ "settings": { "retentionDays": 30, } ');
    expect(() => saveSettings(dir, { retentionDays: 7 })).toThrow(
      expect.objectContaining({ code: 'conflict' }),
    );
    expect(readConfig()).toBe('{ "settings": { "retentionDays": 30, } ');
  });

  it('writes a duration as seconds under its own name', () => {
    saveSettings(dir, { approvalTimeoutMs: 90_000 });
    expect(JSON.parse(readConfig())).toEqual({ settings: { approvalTimeout: '90s' } });
  });
});
