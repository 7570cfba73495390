import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/renderer/src/api/api-client';
import { createSettingsStore } from '../../../../src/renderer/src/features/settings/settings-store';
import { settings } from '../../helpers/settings-fixture';
import type {
  Api,
  AppEvent,
  CommandName,
  ConfigStatus,
  Settings,
} from '../../../../src/shared/contract';

/** An Api that keeps settings like the core does and lets the test push events. */
class FakeApi implements Api {
  calls: { command: CommandName; input: unknown }[] = [];
  listeners = new Set<(event: AppEvent) => void>();
  current = settings();
  config: ConfigStatus = { file: '/data/config.json', problems: [], nextStart: {} };
  updateError?: ApiError;

  async call(command: CommandName, input: unknown): Promise<never> {
    this.calls.push({ command, input });
    if (command === 'settings.get') return { settings: this.current } as never;
    if (command === 'config.status') return { config: this.config } as never;
    if (command === 'settings.update') {
      if (this.updateError) throw this.updateError;
      this.current = { ...this.current, ...(input as Partial<Settings>) };
      return { settings: this.current } as never;
    }
    throw new Error(`unexpected ${command}`);
  }
  on(listener: (event: AppEvent) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  push(event: AppEvent) {
    for (const listener of this.listeners) listener(event);
  }
  updates() {
    return this.calls.filter((c) => c.command === 'settings.update').map((c) => c.input);
  }
}

describe('the settings store', () => {
  it('loads the settings', async () => {
    const api = new FakeApi();
    const store = createSettingsStore(api);
    expect(store.getState().loaded).toBe(false);
    await store.getState().load();
    expect(store.getState()).toMatchObject({ loaded: true, saving: false, settings: settings() });
    expect(store.getState().error).toBeUndefined();
  });

  it('sends only the fields that changed, and records when it saved', async () => {
    const api = new FakeApi();
    const store = createSettingsStore(api, () => 1234);
    await store.getState().load();
    await store.getState().save({
      approvalTimeoutMs: 90_000,
      maxPendingApprovals: 50, // unchanged
      retentionDays: 90, // unchanged
    });
    expect(api.updates()).toEqual([{ approvalTimeoutMs: 90_000 }]);
    expect(store.getState().settings?.approvalTimeoutMs).toBe(90_000);
    expect(store.getState().savedAt).toBe(1234);
    expect(store.getState().saving).toBe(false);
  });

  it('sends nothing when nothing changed', async () => {
    const api = new FakeApi();
    const store = createSettingsStore(api);
    await store.getState().load();
    await store.getState().save({ retentionDays: 90 });
    expect(api.updates()).toEqual([]);
    expect(store.getState().savedAt).toBeUndefined();
  });

  it('sends one save at a time', async () => {
    const api = new FakeApi();
    const store = createSettingsStore(api);
    await store.getState().load();
    await Promise.all([
      store.getState().save({ retentionDays: 30 }),
      store.getState().save({ retentionDays: 31 }),
    ]);
    expect(api.updates()).toEqual([{ retentionDays: 30 }]);
  });

  it('follows settings.changed events, and stop() unsubscribes', async () => {
    const api = new FakeApi();
    const store = createSettingsStore(api);
    await store.getState().load();
    api.push({ name: 'settings.changed', data: { settings: settings({ retentionDays: 7 }) } });
    expect(store.getState().settings?.retentionDays).toBe(7);
    store.stop();
    expect(api.listeners.size).toBe(0);
  });

  it('keeps "saved" through the event of its own save, and drops it for a change made elsewhere', async () => {
    const api = new FakeApi();
    const store = createSettingsStore(api, () => 1234);
    await store.getState().load();
    await store.getState().save({ retentionDays: 30 });
    // The core announces the save it just made: still what this screen saved.
    api.push({ name: 'settings.changed', data: { settings: api.current } });
    expect(store.getState().savedAt).toBe(1234);
    // config.json edited by hand: the settings shown are no longer the ones saved here.
    api.push({
      name: 'settings.changed',
      data: { settings: { ...api.current, retentionDays: 7 } },
    });
    expect(store.getState().savedAt).toBeUndefined();
  });

  it("loads config.json's status and follows config.changed events", async () => {
    const api = new FakeApi();
    api.config = { ...api.config, nextStart: { maxBodyBytes: 1024 * 1024 } };
    const store = createSettingsStore(api);
    await store.getState().load();
    expect(store.getState().config?.nextStart).toEqual({ maxBodyBytes: 1024 * 1024 });
    const problem = { path: '/settings/port', message: 'must be <= 65535', line: 3, column: 13 };
    api.push({
      name: 'config.changed',
      data: { config: { file: '/data/config.json', problems: [problem], nextStart: {} } },
    });
    expect(store.getState().config?.problems).toEqual([problem]);
  });

  it('keeps the core error with its problems, and the settings it had', async () => {
    const api = new FakeApi();
    const store = createSettingsStore(api);
    await store.getState().load();
    api.updateError = new ApiError('invalid_input', 'The input is not valid.', [
      { path: '/retentionDays', message: 'must be >= 1' },
    ]);
    await store.getState().save({ retentionDays: 0 });
    expect(store.getState().error).toEqual({
      message: 'The input is not valid.',
      problems: [{ path: '/retentionDays', message: 'must be >= 1' }],
    });
    expect(store.getState().settings?.retentionDays).toBe(90);
    expect(store.getState().savedAt).toBeUndefined();
    expect(store.getState().saving).toBe(false);
    store.getState().dismissError();
    expect(store.getState().error).toBeUndefined();
  });

  it('says when Airlock cannot be reached on load', async () => {
    const api = new FakeApi();
    api.call = async () => {
      throw new ApiError('unavailable', 'Airlock cannot be reached.');
    };
    const store = createSettingsStore(api);
    await store.getState().load();
    expect(store.getState()).toMatchObject({
      loaded: true,
      error: { message: 'Airlock cannot be reached.' },
    });
    expect(store.getState().settings).toBeUndefined();
  });
});
