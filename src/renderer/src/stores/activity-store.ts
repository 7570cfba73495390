// PLACEHOLDER (being built): the Activity screen's state.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Api } from '../../../shared/contract';

export type ActivityState = Record<string, never>;

export function createActivityStore(_api: Api): StoreApi<ActivityState> & { stop(): void } {
  return Object.assign(createStore<ActivityState>()(() => ({})), { stop() {} });
}
