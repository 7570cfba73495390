// The Pending screen's state: the calls held for a person, kept in step with the core by its
// events, and the answers being sent. A cache of the core's queue; it decides nothing itself.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Api, Approval } from '../../../../shared/contract';
import type { PolicyProposal } from '../policies/policies-store';
import { ApiError } from '../../api/api-client';
import { errorMessage } from '../../../../shared/error-message';
import {
  createCacheSync,
  loadFailed,
  upsert,
  without,
  type Change,
} from '../../stores/cache-store';

export interface PendingState {
  approvals: Approval[];
  loaded: boolean;
  /** Ids with an answer on its way, so their buttons cannot send a second one. */
  answering: ReadonlySet<string>;
  /**
   * Tool definitions accepted since the held calls showed them as changed (definitionKey), here or
   * anywhere: their cards say so, and the call itself still waits for an answer.
   */
  acceptedDefinitions: ReadonlySet<string>;
  /** The last thing that went wrong, for the screen to show. */
  error?: string;
  load(): Promise<void>;
  answer(
    id: string,
    answer: { decision: 'allow'; forMinutes?: number } | { decision: 'deny'; message?: string },
  ): Promise<void>;
  /**
   * The held call's policy with its tool allowed for its client from now on, for the person to
   * review on the Policies screen; undefined when it could not be made (the error says why).
   */
  proposeAlwaysAllow(id: string): Promise<PolicyProposal | undefined>;
  /** Accepts the changed definition a held call shows, so later calls follow the policy again. */
  acceptDefinition(id: string): Promise<void>;
  dismissError(): void;
}

/** Which definition of which tool: the key of acceptedDefinitions. */
export function definitionKey(server: string, tool: string, hash: string): string {
  return JSON.stringify([server, tool, hash]);
}

/** The queue never holds more than the core allows, but a UI list is capped all the same. */
const MAX_SHOWN = 500;

const byId = (approval: Approval) => approval.id;

export function createPendingStore(api: Api): StoreApi<PendingState> & { stop(): void } {
  const store = createStore<PendingState>()((set, get) => ({
    approvals: [],
    loaded: false,
    answering: new Set(),
    acceptedDefinitions: new Set(),
    async load() {
      await queue.load(async () => {
        const { approvals } = await api.call('approvals.list', {});
        const newestFirst = [...approvals].sort((a, b) => b.receivedAt - a.receivedAt);
        return () => ({ approvals: newestFirst.slice(0, MAX_SHOWN), loaded: true });
      });
    },
    async answer(id, answer) {
      if (get().answering.has(id)) return;
      set({ answering: new Set(get().answering).add(id) });
      try {
        await api.call('approvals.decide', { id, ...answer });
        // The approval.resolved event removes it too; removing now keeps the list honest if the
        // event stream lags.
        queue.apply(resolved(id));
      } catch (error) {
        // Someone else answered first, or it expired: it is no longer waiting either way.
        if (
          error instanceof ApiError &&
          (error.code === 'conflict' || error.code === 'not_found')
        ) {
          queue.apply(resolved(id));
        }
        set({ error: errorMessage(error) });
      } finally {
        const answering = new Set(get().answering);
        answering.delete(id);
        set({ answering });
      }
    },
    async proposeAlwaysAllow(id) {
      const approval = get().approvals.find((a) => a.id === id);
      if (!approval) return undefined;
      try {
        const proposal = await api.call('approvals.proposeAlwaysAllow', { id });
        return {
          ...proposal,
          note: `Proposed: always allow ${approval.tool} for client ${approval.grant}. Review it, then save. A call held under the old policy cannot be allowed once it changes: answer it on Pending first, or the agent is told to call again.`,
        };
      } catch (error) {
        set({ error: errorMessage(error) });
        return undefined;
      }
    },
    async acceptDefinition(id) {
      const approval = get().approvals.find((a) => a.id === id);
      const change = approval?.definitionChange;
      if (!approval || !change) return;
      try {
        await api.call('tools.accept', {
          server: approval.server,
          tool: approval.tool,
          hash: change.hash,
        });
        accepted(approval.server, approval.tool, change.hash);
      } catch (error) {
        set({ error: errorMessage(error) });
      }
    },
    dismissError: () => set({ error: undefined }),
  }));

  function accepted(server: string, tool: string, hash: string): void {
    const keys = new Set(store.getState().acceptedDefinitions).add(
      definitionKey(server, tool, hash),
    );
    if (keys.size > MAX_SHOWN) keys.delete(keys.values().next().value!);
    store.setState({ acceptedDefinitions: keys });
  }

  const queue = createCacheSync(store, loadFailed);
  const resolved =
    (id: string): Change<PendingState> =>
    ({ approvals }) => ({ approvals: without(approvals, id, byId) });

  const stop = api.on((event) => {
    if (event.name === 'approval.added') {
      const { approval } = event.data;
      queue.apply(({ approvals }) => ({
        approvals: upsert(approvals, approval, byId, 'first', MAX_SHOWN),
      }));
    } else if (event.name === 'approval.resolved') {
      queue.apply(resolved(event.data.approval.id));
    } else if (event.name === 'pin.changed' && event.data.state === 'accepted') {
      accepted(event.data.server, event.data.tool, event.data.hash);
    }
  });
  return Object.assign(store, { stop });
}
