// PLACEHOLDER (being built): the Policies screen's state.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Api } from '../../../shared/contract';

/** A policy edit proposed elsewhere (Pending's "Always allow"), for the person to review and save. */
export interface PolicyProposal {
  server: string;
  text: string;
  baseHash?: string;
  /** Why it was proposed, shown above the editor. */
  note: string;
}

export interface PoliciesState {
  open(server: string): Promise<void>;
  propose(proposal: PolicyProposal): void;
}

export function createPoliciesStore(_api: Api): StoreApi<PoliciesState> & { stop(): void } {
  return Object.assign(
    createStore<PoliciesState>()(() => ({ open: async () => {}, propose: () => {} })),
    { stop() {} },
  );
}
