import { describe, expect, it } from 'vitest';
import { emptyForm } from '../../../../src/renderer/src/features/servers/server-form';
import {
  initialFormState,
  serverFormReducer,
  type ServerFormAction,
  type ServerFormState,
} from '../../../../src/renderer/src/features/servers/server-form-reducer';

const run = (state: ServerFormState, ...actions: ServerFormAction[]) =>
  actions.reduce(serverFormReducer, state);

const refusal = {
  ok: false as const,
  message: 'The entry for "gh" has a problem: /mcpServers/gh/url: must be a URL',
  problems: [{ path: '/mcpServers/gh/url', message: 'must be a URL' }],
};
const connected = {
  ok: true as const,
  value: { ok: true as const, serverName: 'gh', serverVersion: '1.0', tools: 3, elapsedMs: 5 },
};

describe('the server form reducer', () => {
  it("waits for an edited server's saved entry, then shows its values or why it cannot", () => {
    const editing = initialFormState(true);
    expect(editing.loading).toBe(true);
    expect(initialFormState(false).loading).toBe(false);
    const draft = {
      id: 'gh',
      transport: 'stdio' as const,
      command: 'npx',
      args: ['-y', 'server'],
      envKeys: ['TOKEN'],
      headerKeys: [],
    };
    const read = run(editing, { type: 'draft-read', result: { ok: true, value: draft } });
    expect(read.loading).toBe(false);
    expect(read.values).toMatchObject({ id: 'gh', command: 'npx', args: '-y\nserver' });
    expect(read.values.env).toEqual([{ key: 'TOKEN', value: '', kept: true }]);
    const failed = run(editing, {
      type: 'draft-read',
      result: { ok: false, message: 'No server "gh".', problems: [] },
    });
    expect(failed).toMatchObject({ loading: false, message: 'No server "gh".' });
  });

  it("forgets a test's result once a value changes", () => {
    const tested = run(
      initialFormState(false),
      { type: 'changed', patch: { id: 'gh', command: 'npx' } },
      { type: 'test-started' },
    );
    expect(tested).toMatchObject({ testing: true, tested: undefined });
    const done = run(tested, { type: 'test-finished', result: connected });
    expect(done).toMatchObject({ testing: false, tested: connected.value });
    const changed = run(done, { type: 'changed', patch: { command: 'node' } });
    expect(changed.tested).toBeUndefined();
    expect(changed.values).toMatchObject({ id: 'gh', command: 'node' });
  });

  it("keeps the core's problems from a refused test or save until the next try", () => {
    const refused = run(
      initialFormState(false),
      { type: 'save-started' },
      { type: 'save-finished', result: refusal, adding: true },
    );
    expect(refused).toMatchObject({ saving: false, message: refusal.message });
    expect(refused.problems).toEqual(refusal.problems);
    const retried = run(refused, { type: 'test-started' });
    expect(retried).toMatchObject({ message: undefined, problems: [] });
    const testRefused = run(retried, { type: 'test-finished', result: refusal });
    expect(testRefused).toMatchObject({ testing: false, message: refusal.message });
  });

  it('empties the form after adding a server, and keeps it after saving an edit', () => {
    const filled = run(
      initialFormState(false),
      { type: 'changed', patch: { id: 'gh', command: 'npx' } },
      { type: 'test-finished', result: connected },
      { type: 'save-started' },
    );
    expect(filled.saving).toBe(true);
    const added = run(filled, {
      type: 'save-finished',
      result: { ok: true, value: {} },
      adding: true,
    });
    expect(added).toMatchObject({ saving: false, values: emptyForm(), tested: undefined });
    const saved = run(filled, {
      type: 'save-finished',
      result: { ok: true, value: {} },
      adding: false,
    });
    expect(saved.values).toMatchObject({ id: 'gh', command: 'npx' });
  });

  it('fills the form from a paste, or says why it could not and leaves the values', () => {
    const open = run(initialFormState(false), { type: 'paste-toggled' });
    expect(open.pasteOpen).toBe(true);
    const bad = run(open, { type: 'paste-typed', text: '{not json' }, { type: 'paste-filled' });
    expect(bad.pasteNote).toMatch(/^Not JSON: /);
    expect(bad.values).toEqual(emptyForm());
    const good = run(
      bad,
      { type: 'paste-typed', text: '{"mcpServers": {"gh": {"url": "https://x/mcp"}}}' },
      { type: 'paste-filled' },
    );
    expect(good.values).toMatchObject({ id: 'gh', transport: 'http', url: 'https://x/mcp' });
    expect(good.pasteNote).toBe('Filled in; check the fields below.');
    expect(run(good, { type: 'paste-toggled' }).pasteOpen).toBe(false);
  });

  it('starts a new server with the starter policy unless unticked', () => {
    expect(initialFormState(false).starter).toBe(true);
    expect(run(initialFormState(false), { type: 'starter-set', starter: false }).starter).toBe(
      false,
    );
  });
});
