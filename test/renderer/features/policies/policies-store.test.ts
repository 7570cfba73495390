import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../../src/renderer/src/api/api-client';
import {
  createPoliciesStore,
  isDirty,
} from '../../../../src/renderer/src/features/policies/policies-store';
import type { JsonProblem, PolicyInfo, ToolRiskReport } from '../../../../src/shared/contract';
import { FakeApi } from '../../helpers/fake-api';

const TEXT = '{\n  "version": "1",\n  "default": "deny",\n  "tools": {}\n}\n';
const INFO: PolicyInfo = {
  server: 'meatspace',
  file: '/d/policies/meatspace.json',
  errors: [],
  hash: 'p1',
};

const RISK: ToolRiskReport = { risk: 'allowed', rule: '/tools/x', reason: '', grants: [] };

/** A core with one policy file, checked by a rule the tests can read: "maybe" is a problem. */
function fakeCore() {
  const disk = { text: TEXT, hash: 'h1' };
  const problemsOf = (text: string): JsonProblem[] =>
    text.includes('maybe')
      ? [{ path: '/default', message: 'must be one of ...', line: 3, column: 14 }]
      : [];
  const get = ({ server }: { server: string }) =>
    server === 'meatspace'
      ? { ...INFO, text: disk.text, textHash: disk.hash }
      : { ...INFO, server };
  const save = ({ text, baseHash }: { text: string; baseHash?: string }) => {
    if (baseHash !== disk.hash) throw new ApiError('conflict', 'changed since it was opened');
    disk.text = text;
    disk.hash = `h${Number(disk.hash.slice(1)) + 1}`;
    return { hash: 'p2', textHash: disk.hash };
  };
  const api = new FakeApi()
    .handle('policies.list', () => ({
      policies: [INFO, { ...INFO, server: 'other', file: '/d/policies/other.json' }],
    }))
    .handle('policies.get', get)
    .handle('policies.validate', ({ text }) => ({
      ok: problemsOf(text).length === 0,
      errors: problemsOf(text),
    }))
    .handle('policies.save', save)
    .handle('policies.dryRun', () => ({ ok: true, errors: [], replayed: 7, changes: [] }))
    .handle('servers.tools', ({ server }) => ({
      server,
      tools: [{ name: `${server}_tool`, params: [], risk: RISK }],
      fetchedAt: 1,
      unknownInPolicy: [],
    }))
    .handle('grants.list', () => ({ grants: [{ name: 'alice', created: '' }], temporary: [] }));
  /** The core's own answers, for a test that wraps them. */
  return { api, disk, get, save };
}

// The store checks a draft on a timer: the tests move a fake clock instead of sleeping.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});
const settle = () => vi.advanceTimersByTimeAsync(5);

describe('the policies store', () => {
  it('opens the first server, checks each edit and keeps only the newest verdict', async () => {
    const { api } = fakeCore();
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    await store.getState().load();
    expect(store.getState()).toMatchObject({
      server: 'meatspace',
      text: TEXT,
      savedText: TEXT,
      problems: [],
    });
    expect(isDirty(store.getState())).toBe(false);

    store.getState().edit(TEXT.replace('deny', 'maybe'));
    expect(store.getState().checking).toBe(true);
    store.getState().edit(TEXT.replace('deny', 'maybe '));
    await settle();
    expect(store.getState().checking).toBe(false);
    expect(store.getState().problems.map((p) => p.path)).toEqual(['/default']);
    // Two quick edits, one check: the timer waits for the typing to stop.
    expect(api.inputsOf('policies.validate')).toHaveLength(2);
    expect(isDirty(store.getState())).toBe(true);
  });

  it('saves with the hash it opened, then treats the saved text as clean', async () => {
    const { api, disk } = fakeCore();
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    await store.getState().load();
    const edited = TEXT.replace('"tools": {}', '"tools": { "x": {} }');
    store.getState().edit(edited);
    await settle();
    expect(await store.getState().save()).toBe(true);
    expect(api.inputsOf('policies.save')).toEqual([
      { server: 'meatspace', text: edited, baseHash: 'h1' },
    ]);
    expect(disk.text).toBe(edited);
    expect(store.getState()).toMatchObject({
      savedText: edited,
      baseHash: 'h2',
      notice: 'Saved and in force for meatspace.',
    });
    expect(isDirty(store.getState())).toBe(false);
  });

  it('keeps the draft and says why when the file changed underneath', async () => {
    const { api, disk } = fakeCore();
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    await store.getState().load();
    disk.hash = 'h9';
    store.getState().edit(TEXT + ' ');
    expect(await store.getState().save()).toBe(false);
    expect(store.getState().error).toContain('changed since it was opened');
    expect(store.getState().text).toBe(TEXT + ' ');
  });

  it('reloads a clean draft when the file changes elsewhere, and only warns about a dirty one', async () => {
    const { api, disk } = fakeCore();
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    await store.getState().load();
    disk.text = TEXT.replace('deny', 'allow');
    disk.hash = 'h5';
    api.push({ name: 'policy.changed', data: { policy: INFO } });
    await settle();
    expect(store.getState().text).toBe(disk.text);

    store.getState().edit(disk.text + '\n');
    disk.hash = 'h6';
    api.push({ name: 'policy.changed', data: { policy: INFO } });
    await settle();
    expect(store.getState().changedOnDisk).toBe(true);
    expect(store.getState().text).toBe(disk.text + '\n');
  });

  it('shows no "changed on disk" after its own save, whichever answer comes back first', async () => {
    // The core puts a saved policy in force before it answers, so its policy.changed event reaches
    // the screen while the save is still in flight; the screen then asks for the file's hash.
    for (const first of ['save', 'get'] as const) {
      const { api, disk, get, save } = fakeCore();
      const store = createPoliciesStore(api, { checkDelayMs: 0 });
      await store.getState().load();
      const banners: boolean[] = [];
      store.subscribe((s) => banners.push(s.changedOnDisk));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      api
        .handle('policies.save', async (input) => {
          const saved = save(input);
          api.push({ name: 'policy.changed', data: { policy: { ...INFO, hash: 'p2' } } });
          if (first === 'get') await gate;
          return saved;
        })
        .handle('policies.get', async (input) => {
          if (first === 'save') await gate;
          return get(input);
        });
      store.getState().edit(TEXT.replace('"tools": {}', '"tools": { "x": {} }'));
      await settle();
      const saving = store.getState().save();
      await settle();
      release();
      expect(await saving).toBe(true);
      await settle();
      expect(disk.hash).toBe('h2');
      expect(store.getState()).toMatchObject({ baseHash: 'h2', changedOnDisk: false });
      expect(banners).not.toContain(true);
      expect(store.getState().notice).toBe('Saved and in force for meatspace.');
    }
  });

  it('still warns about a change elsewhere that lands while its save is refused', async () => {
    const { api, disk, save } = fakeCore();
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    await store.getState().load();
    api.handle('policies.save', async (input) => {
      // Another program writes the file just before this save reaches the core.
      disk.text = TEXT.replace('deny', 'allow');
      disk.hash = 'h7';
      api.push({ name: 'policy.changed', data: { policy: INFO } });
      await settle();
      return save(input);
    });
    store.getState().edit(TEXT + ' ');
    await settle();
    expect(await store.getState().save()).toBe(false);
    await settle();
    expect(store.getState()).toMatchObject({ changedOnDisk: true, text: TEXT + ' ' });
  });

  it('opens a proposal as an unsaved edit on top of the file, with its note', async () => {
    const { api } = fakeCore();
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    await store
      .getState()
      .propose({ server: 'meatspace', text: TEXT + ' ', note: 'always allow x' });
    expect(store.getState()).toMatchObject({
      text: TEXT + ' ',
      savedText: TEXT,
      baseHash: 'h1',
      proposalNote: 'always allow x',
    });
    await store.getState().revert();
    expect(store.getState()).toMatchObject({ text: TEXT, proposalNote: undefined });
  });

  it('starts a server without a file from an empty deny-all policy, unsaved', async () => {
    const { api } = fakeCore();
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    await store.getState().open('other');
    expect(store.getState().savedText).toBeUndefined();
    expect(JSON.parse(store.getState().text)).toEqual({ version: '1', default: 'deny', tools: {} });
    expect(isDirty(store.getState())).toBe(true);
  });

  it('ties a dry run to the draft it replayed', async () => {
    const { api } = fakeCore();
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    await store.getState().load();
    await store.getState().runDryRun(100);
    expect(api.inputsOf('policies.dryRun')).toEqual([
      { server: 'meatspace', text: TEXT, calls: 100 },
    ]);
    expect(store.getState().dryRun).toEqual({ text: TEXT, replayed: 7, changes: [] });
    store.stop();
    expect(api.listenerCount).toBe(0);
  });

  it("lists the open server's tools and the clients, and says why when the tools cannot be listed", async () => {
    const { api } = fakeCore();
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    await store.getState().load();
    await settle();
    expect(store.getState()).toMatchObject({
      grants: ['alice'],
      tools: { server: 'meatspace', tools: [{ name: 'meatspace_tool' }] },
      toolsLoading: false,
    });

    await store.getState().open('other');
    await settle();
    expect(store.getState().tools?.tools.map((t) => t.name)).toEqual(['other_tool']);

    api.handle('servers.tools', () => {
      throw new ApiError('unavailable', 'Cannot list the tools of "other": it exited');
    });
    await store.getState().loadTools(true);
    expect(api.inputsOf('servers.tools').at(-1)).toEqual({ server: 'other', refresh: true });
    expect(store.getState()).toMatchObject({
      tools: undefined,
      toolsError: 'Cannot list the tools of "other": it exited',
    });

    api.handle('grants.list', () => ({
      grants: [
        { name: 'alice', created: '' },
        { name: 'bob', created: '' },
      ],
      temporary: [],
    }));
    api.push({ name: 'grants.changed', data: {} });
    await settle();
    expect(store.getState().grants).toEqual(['alice', 'bob']);
  });

  it('opens "Always allow…" reviewed: the client it is about shown and its dry run replayed', async () => {
    const { api } = fakeCore();
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    const text = TEXT.replace(
      '"tools": {}',
      '"tools": {},\n  "grants": { "alice": { "tools": { "x": { "action": "allow" } } } }',
    );
    await store.getState().propose({ server: 'meatspace', text, baseHash: 'h1', note: 'n' });
    expect(store.getState()).toMatchObject({
      text,
      savedText: TEXT,
      reviewing: true,
      grantShown: 'alice',
      dryRun: { text, replayed: 7 },
    });
    expect(api.inputsOf('policies.dryRun')).toEqual([{ server: 'meatspace', text }]);
    // Saving closes the review.
    expect(await store.getState().save()).toBe(true);
    expect(store.getState().reviewing).toBe(false);
  });

  it('ties a tried call to the draft it was decided under', async () => {
    const { api } = fakeCore();
    api.handle('policies.tryCall', ({ text }) =>
      text.includes('maybe')
        ? { ok: false, errors: [{ path: '/default', message: 'bad', line: 3, column: 14 }] }
        : { ok: true, decision: { action: 'deny', rule: '/default', reason: 'no' } },
    );
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    await store.getState().load();
    const input = { grant: 'alice', tool: 'x', args: { a: 1 } };
    await store.getState().tryCall(input);
    expect(api.inputsOf('policies.tryCall')).toEqual([
      { server: 'meatspace', text: TEXT, ...input },
    ]);
    expect(store.getState().trial).toEqual({
      text: TEXT,
      input,
      decision: { action: 'deny', rule: '/default', reason: 'no' },
    });

    store.getState().edit(TEXT.replace('deny', 'maybe'));
    await store.getState().tryCall(input);
    expect(store.getState().trial).toBeUndefined();
    expect(store.getState().problems.map((p) => p.path)).toEqual(['/default']);
  });

  it("keeps a policy's change that arrived before the older list", async () => {
    const { api } = fakeCore();
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    const list = api.hold('policies.list');
    const loading = store.getState().load();
    const broken = { ...INFO, hash: 'p2', errors: [{ path: '/default', message: 'bad' }] };
    api.push({ name: 'policy.changed', data: { policy: broken } });
    const added = { ...INFO, server: 'github', file: '/d/policies/github.json' };
    api.push({ name: 'policy.changed', data: { policy: added } });
    list.release();
    await loading;
    expect(store.getState().policies.map((p) => [p.server, p.hash, p.errors.length])).toEqual([
      ['github', 'p1', 0],
      ['meatspace', 'p2', 1],
      ['other', 'p1', 0],
    ]);
  });

  it('shows the newest list of policies and clients when older answers arrive last', async () => {
    const { api } = fakeCore();
    let servers = ['meatspace'];
    let grants = ['alice'];
    api
      .handle('policies.list', () => ({
        policies: servers.map((server) => ({ ...INFO, server })),
      }))
      .handle('grants.list', () => ({
        grants: grants.map((name) => ({ name, created: '' })),
        temporary: [],
      }));
    const store = createPoliciesStore(api, { checkDelayMs: 0 });
    const list = api.hold('policies.list');
    const clients = api.hold('grants.list');
    const first = store.getState().load();
    servers = ['github', 'meatspace'];
    grants = ['alice', 'bob'];
    api.push({ name: 'grants.changed', data: {} });
    const second = store.getState().load();
    list.release(1);
    clients.release(2);
    clients.release(1);
    await second;
    list.release(0);
    clients.release(0);
    await first;
    expect(store.getState().policies.map((p) => p.server)).toEqual(['github', 'meatspace']);
    expect(store.getState().grants).toEqual(['alice', 'bob']);
  });
});
