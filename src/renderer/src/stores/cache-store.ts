// How a store keeps a cache of one of the core's lists: loads in sequence, so an older answer never
// overwrites a newer one, and the changes seen while a load is on its way applied again on top of
// its answer. Plus the keyed list updates the stores' events make.
import type { StoreApi } from 'zustand/vanilla';
import { errorMessage } from '../../../shared/error-message';

/** A change to a store's state, computed from the state it applies to. */
export type Change<S> = (state: S) => Partial<S>;

export interface CacheSync<S> {
  /**
   * Asks the core with `fetch`, whose answer is the change to make. It is made only if no newer
   * load began meanwhile (true then); the changes applied since this load began are made again on
   * top of it. A failure of the newest load is made with `failed`.
   */
  load(fetch: () => Promise<Change<S>>): Promise<boolean>;
  /**
   * Makes a change known to be newer than any answer on its way (an event, or the answer to the
   * store's own command), now and again on top of the answer of a load that began before it.
   */
  apply(change: Change<S>): void;
}

/** What a failed load leaves by default: the error shown, and the screen no longer loading. */
export function loadFailed(message: string): { error: string; loaded: true } {
  return { error: message, loaded: true };
}

/** More changes than this while one load is out: its answer is dropped and the list asked again. */
export const MAX_REPLAYED = 1000;

/** `failed` is what a failed load leaves (`loadFailed` for most lists). */
export function createCacheSync<S>(
  store: Pick<StoreApi<S>, 'getState' | 'setState'>,
  failed: (message: string, state: S) => Partial<S>,
): CacheSync<S> {
  // The answer and the events travel apart (over HTTP, two connections), so an answer the core
  // gave before an event can arrive after it: applied alone, it would undo the event.
  let loads = 0;
  /** The changes applied since the newest load began; undefined when no load is on its way. */
  let since: Change<S>[] | undefined;
  /** More changes came during the newest load than are kept to replay. */
  let overflowed = false;
  const make = (change: Change<S>) => store.setState(change(store.getState()));

  const sync: CacheSync<S> = {
    async load(fetch) {
      const load = ++loads;
      since = [];
      overflowed = false;
      let answer: Change<S>;
      try {
        answer = await fetch();
      } catch (error) {
        if (load !== loads) return false;
        since = undefined;
        make((state) => failed(errorMessage(error), state));
        return false;
      }
      if (load !== loads) return false;
      // Not every change it predates was kept, so it cannot be brought up to date: ask again.
      if (overflowed) return sync.load(fetch);
      const replay = since;
      since = undefined;
      // One update, so nothing ever shows the answer without the changes made since.
      let next = { ...store.getState(), ...answer(store.getState()) };
      for (const change of replay) next = { ...next, ...change(next) };
      store.setState(next);
      return true;
    },
    apply(change) {
      make(change);
      if (since === undefined) return;
      if (since.length < MAX_REPLAYED) since.push(change);
      else overflowed = true;
    },
  };
  return sync;
}

/** Where a new item goes in a list: first (newest first), last, or where an order puts it. */
export type Placement<T> = 'first' | 'last' | ((a: T, b: T) => number);

/**
 * The list with `item` in place of the one with its key (moved to the front when placed first), or
 * added where `place` says; never longer than `max`.
 */
export function upsert<T>(
  items: readonly T[],
  item: T,
  key: (item: T) => string,
  place: Placement<T>,
  max: number,
): T[] {
  const id = key(item);
  if (place === 'first') return [item, ...items.filter((i) => key(i) !== id)].slice(0, max);
  if (items.some((i) => key(i) === id)) return items.map((i) => (key(i) === id ? item : i));
  const added = [...items, item];
  if (typeof place === 'function') added.sort(place);
  return added.slice(0, max);
}

/** The list without the item with key `id`. */
export function without<T>(items: readonly T[], id: string, key: (item: T) => string): T[] {
  return items.filter((i) => key(i) !== id);
}
