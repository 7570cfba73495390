import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import {
  createCacheSync,
  loadFailed,
  MAX_REPLAYED,
  upsert,
  without,
} from '../../../src/renderer/src/stores/cache-store';

interface Item {
  id: string;
  v: number;
}
interface State {
  items: Item[];
  loaded: boolean;
  error?: string;
}

const byId = (item: Item) => item.id;

/** A load whose answer the test gives, or fails, when it chooses. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function setup() {
  const store = createStore<State>()(() => ({ items: [], loaded: false }));
  const sync = createCacheSync(store, loadFailed);
  const load = () => {
    const answer = deferred<Item[]>();
    const done = sync.load(async () => {
      const items = await answer.promise;
      return () => ({ items, loaded: true });
    });
    return { answer, done };
  };
  const add = (item: Item) =>
    sync.apply(({ items }) => ({ items: upsert(items, item, byId, 'last', 10) }));
  return { store, sync, load, add };
}

describe('a cache sync', () => {
  it('makes the changes seen during a load again on top of its answer, in their order', async () => {
    const { store, load, add } = setup();
    const first = load();
    add({ id: 'b', v: 1 });
    add({ id: 'b', v: 2 });
    expect(store.getState().items).toEqual([{ id: 'b', v: 2 }]);
    const shown: string[][] = [];
    store.subscribe((state) => shown.push(state.items.map(byId)));
    first.answer.resolve([{ id: 'a', v: 1 }]);
    expect(await first.done).toBe(true);
    // Never the answer alone, which would drop b for a moment.
    expect(shown).toEqual([['a', 'b']]);
    expect(store.getState()).toMatchObject({
      items: [
        { id: 'a', v: 1 },
        { id: 'b', v: 2 },
      ],
      loaded: true,
    });
  });

  it('drops an older answer or failure that arrives after a newer load began', async () => {
    const { store, load, add } = setup();
    const older = load();
    const failing = load();
    add({ id: 'c', v: 1 });
    const newest = load();
    newest.answer.resolve([{ id: 'n', v: 1 }]);
    expect(await newest.done).toBe(true);
    older.answer.resolve([{ id: 'o', v: 1 }]);
    failing.answer.reject(new Error('gone'));
    expect(await older.done).toBe(false);
    expect(await failing.done).toBe(false);
    // c changed before the newest load was asked for, so its answer already holds it.
    expect(store.getState()).toEqual({ items: [{ id: 'n', v: 1 }], loaded: true });
  });

  it("shows the newest load's failure and stops replaying", async () => {
    const { store, load, add } = setup();
    const failed = load();
    failed.answer.reject(new Error('Airlock cannot be reached.'));
    expect(await failed.done).toBe(false);
    expect(store.getState()).toMatchObject({ loaded: true, error: 'Airlock cannot be reached.' });
    add({ id: 'x', v: 1 });
    const next = load();
    next.answer.resolve([]);
    await next.done;
    expect(store.getState().items).toEqual([]);
  });
});

describe('a cache sync flooded during a load', () => {
  it('keeps no more than MAX_REPLAYED changes: it asks again, and shows that answer', async () => {
    const store = createStore<State>()(() => ({ items: [], loaded: false }));
    const sync = createCacheSync(store, loadFailed);
    const core: Item[] = [];
    const releases: (() => void)[] = [];
    let askedAgain!: () => void;
    const secondAsk = new Promise<void>((resolve) => (askedAgain = resolve));
    const done = sync.load(async () => {
      const items = [...core]; // the core's list when asked
      await new Promise<void>((release) => {
        releases.push(release);
        if (releases.length === 2) askedAgain();
      });
      return () => ({ items, loaded: true });
    });
    for (let v = 0; v <= MAX_REPLAYED; v++) {
      const item = { id: `e${v}`, v };
      core.push(item);
      sync.apply(({ items }) => ({ items: upsert(items, item, byId, 'last', 2 * MAX_REPLAYED) }));
    }
    releases[0]!();
    await secondAsk;
    releases[1]!();
    expect(await done).toBe(true);
    expect(store.getState().items).toEqual(core);
  });
});

describe('keyed list updates', () => {
  const list = [
    { id: 'b', v: 1 },
    { id: 'd', v: 1 },
  ];
  const order = (x: Item, y: Item) => x.id.localeCompare(y.id);

  it('replaces an item in place, or moves it to the front when placed first', () => {
    expect(upsert(list, { id: 'd', v: 2 }, byId, 'last', 10)).toEqual([
      { id: 'b', v: 1 },
      { id: 'd', v: 2 },
    ]);
    expect(upsert(list, { id: 'd', v: 2 }, byId, 'first', 10)).toEqual([
      { id: 'd', v: 2 },
      { id: 'b', v: 1 },
    ]);
  });

  it('adds a new item first, last or in order, and keeps the list under its cap', () => {
    const c = { id: 'c', v: 1 };
    expect(upsert(list, c, byId, 'first', 10).map(byId)).toEqual(['c', 'b', 'd']);
    expect(upsert(list, c, byId, 'last', 10).map(byId)).toEqual(['b', 'd', 'c']);
    expect(upsert(list, c, byId, order, 10).map(byId)).toEqual(['b', 'c', 'd']);
    expect(upsert(list, c, byId, 'last', 2).map(byId)).toEqual(['b', 'd']);
    expect(without(list, 'b', byId).map(byId)).toEqual(['d']);
  });
});
