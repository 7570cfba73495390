// PLACEHOLDER (being built): the Servers screen's state.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Api } from '../../../shared/contract';

export type ServersState = Record<string, never>;

export function createServersStore(_api: Api): StoreApi<ServersState> & { stop(): void } {
  return Object.assign(createStore<ServersState>()(() => ({})), { stop() {} });
}
