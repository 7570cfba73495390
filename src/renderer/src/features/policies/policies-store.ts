// The Policies screen's state: which server's policy is open, the draft text the form and the JSON
// editor both edit, the core's verdict on that draft (problems with line and path), the server's
// tools and the clients the form lists, the review (dry run) before a save, "Try it", and saving.
// The draft is the one source of truth: the form writes into it and the editor shows it, so the
// two views can never disagree.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  Api,
  DecisionSummary,
  DryRunChange,
  JsonProblem,
  PolicyInfo,
  ToolInfo,
} from '../../../../shared/contract';
import { errorMessage } from '../../../../shared/error-message';
import { ApiError } from '../../api/api-client';
import { createCacheSync, loadFailed, upsert } from '../../stores/cache-store';
import { changedGrants, changedRules } from './policy-text';

/** A policy edit proposed elsewhere (Pending's "Always allow"), for the person to review and save. */
export interface PolicyProposal {
  server: string;
  text: string;
  baseHash?: string;
  /** Why it was proposed, shown above the editor. */
  note: string;
}

export interface DryRunReport {
  /** The draft text the report is about; a later edit makes it stale. */
  text: string;
  replayed: number;
  changes: DryRunChange[];
}

/** The open server's tools as it reports them. */
export interface ServerTools {
  server: string;
  tools: ToolInfo[];
}

/** One call for "Try it": a client (none: one without rules of its own), a tool and arguments. */
export interface TrialInput {
  grant?: string;
  tool: string;
  args: Record<string, unknown>;
}

/** What the draft decided for a tried call. */
export interface Trial {
  /** The draft text it was decided under; a later edit makes it stale. */
  text: string;
  input: TrialInput;
  decision: DecisionSummary;
}

export interface PoliciesState {
  policies: PolicyInfo[];
  loaded: boolean;
  /** The server whose policy is open. */
  server?: string;
  /** The draft being edited. */
  text: string;
  /** The file's text when it was opened (or last saved); undefined when there is no file yet. */
  savedText?: string;
  /** The textHash of savedText, sent with a save so a file changed underneath is not overwritten. */
  baseHash?: string;
  /** Problems in the draft, as the core's parser reports them. */
  problems: JsonProblem[];
  /** True from an edit until the core has checked it. */
  checking: boolean;
  /** Set when a proposal (Always allow) is open, until saved or dropped. */
  proposalNote?: string;
  /** The file changed on disk while the draft had unsaved edits. */
  changedOnDisk: boolean;
  dryRun?: DryRunReport;
  dryRunning: boolean;
  saving: boolean;
  /** What the last save did, for the screen to confirm. */
  notice?: string;
  error?: string;
  /** The open server's tools; undefined until listed (or when listing failed: see toolsError). */
  tools?: ServerTools;
  toolsLoading: boolean;
  /** Why the server's tools could not be listed. */
  toolsError?: string;
  /** The clients (grant names) there are, for per-client rules and Try it. */
  grants: string[];
  /** The client whose own rules the form shows. */
  grantShown?: string;
  /** The review before a save is open: the change as a diff, then the dry run. */
  reviewing: boolean;
  trial?: Trial;
  trying: boolean;
  load(): Promise<void>;
  open(server: string): Promise<void>;
  /** Opens a proposal as the draft, with the review open and the client it is about shown. */
  propose(proposal: PolicyProposal): Promise<void>;
  edit(text: string): void;
  /** Lists the open server's tools again (asking the server, not the kept list, with `refresh`). */
  loadTools(refresh?: boolean): Promise<void>;
  showGrant(grant: string | undefined): void;
  /** Opens the review: the diff shows at once, and the recent calls are replayed. */
  review(calls?: number): Promise<void>;
  closeReview(): void;
  /** Decides one call under the draft, without running it. */
  tryCall(input: TrialInput): Promise<void>;
  /** Replays the server's recent calls against the draft. */
  runDryRun(calls?: number): Promise<void>;
  /** Saves the draft; true when it was saved. */
  save(): Promise<boolean>;
  /** Drops the edits and reloads the file. */
  revert(): Promise<void>;
  dismissError(): void;
  dismissNotice(): void;
}

/** What an empty policy file starts as: everything refused until a tool is allowed. */
const NEW_POLICY_TEXT = `{
  "version": "1",
  "default": "deny",
  "tools": {}
}
`;

const byServer = (policy: PolicyInfo) => policy.server;
const byServerOrder = (a: PolicyInfo, b: PolicyInfo) => a.server.localeCompare(b.server);

export interface PoliciesStoreOptions {
  /** How long to wait after the last keystroke before asking the core to check the draft. */
  checkDelayMs?: number;
}

export function createPoliciesStore(
  api: Api,
  options: PoliciesStoreOptions = {},
): StoreApi<PoliciesState> & { stop(): void } {
  const checkDelayMs = options.checkDelayMs ?? 150;
  let checkTimer: ReturnType<typeof setTimeout> | undefined;
  // Answers can come back out of order; only the newest check or open is applied.
  let checks = 0;
  let opens = 0;
  // Set below, once the store exists: what a settled save does about a change seen during it.
  let afterSave: (server: string) => void = () => {};
  let loadGrants: () => Promise<void> = async () => {};

  const store = createStore<PoliciesState>()((set, get) => {
    const check = async () => {
      const check = ++checks;
      const { text } = get();
      try {
        const { errors } = await api.call('policies.validate', { text });
        if (check === checks) set({ problems: errors, checking: false });
      } catch (error) {
        if (check === checks) set({ checking: false, error: errorMessage(error) });
      }
    };
    const scheduleCheck = () => {
      clearTimeout(checkTimer);
      checkTimer = setTimeout(() => void check(), checkDelayMs);
    };
    loadGrants = async () => {
      await grantList.load(async () => {
        const { grants } = await api.call('grants.list', {});
        return () => ({ grants: grants.map((g) => g.name) });
      });
    };
    let toolLists = 0;
    const loadTools = async (refresh = false) => {
      const { server } = get();
      if (server === undefined) return;
      const listing = ++toolLists;
      set({ toolsLoading: true, toolsError: undefined });
      try {
        const { tools } = await api.call('servers.tools', {
          server,
          ...(refresh ? { refresh } : {}),
        });
        if (listing === toolLists) set({ tools: { server, tools } });
      } catch (error) {
        if (listing === toolLists) set({ tools: undefined, toolsError: errorMessage(error) });
      } finally {
        if (listing === toolLists) set({ toolsLoading: false });
      }
    };
    /** Loads the server's file; `draft` replaces its text as the starting edit (a proposal). */
    const openFile = async (server: string, draft?: { text: string; note: string }) => {
      const open = ++opens;
      clearTimeout(checkTimer);
      const sameServer = get().server === server;
      set({
        server,
        dryRun: undefined,
        notice: undefined,
        changedOnDisk: false,
        reviewing: false,
        trial: undefined,
        ...(sameServer ? {} : { grantShown: undefined }),
      });
      // Another server's tools are listed afresh; the same server's stay (the core keeps them).
      if (!sameServer || get().tools === undefined) {
        set({ tools: undefined, toolsError: undefined });
        void loadTools();
      }
      try {
        const file = await api.call('policies.get', { server });
        if (open !== opens) return;
        const text = draft?.text ?? file.text ?? NEW_POLICY_TEXT;
        set({
          text,
          savedText: file.text,
          baseHash: file.textHash,
          proposalNote: draft?.note,
          problems: [],
          checking: true,
        });
        await check();
      } catch (error) {
        if (open === opens) set({ error: errorMessage(error) });
      }
    };

    const runDryRun = async (calls?: number) => {
      const { server, text } = get();
      if (server === undefined) return;
      set({ dryRunning: true });
      try {
        const result = await api.call('policies.dryRun', {
          server,
          text,
          ...(calls === undefined ? {} : { calls }),
        });
        if (get().server !== server) return;
        if (!result.ok) {
          set({ problems: result.errors, dryRun: undefined });
        } else {
          set({ dryRun: { text, replayed: result.replayed, changes: result.changes } });
        }
      } catch (error) {
        set({ error: errorMessage(error) });
      } finally {
        set({ dryRunning: false });
      }
    };

    return {
      policies: [],
      loaded: false,
      text: '',
      problems: [],
      checking: false,
      changedOnDisk: false,
      dryRunning: false,
      saving: false,
      toolsLoading: false,
      grants: [],
      reviewing: false,
      trying: false,
      async load() {
        void loadGrants();
        const listed = await policyList.load(async () => {
          const { policies } = await api.call('policies.list', {});
          return () => ({ policies, loaded: true });
        });
        const { server, policies } = get();
        const first = policies[0]?.server;
        if (listed && server === undefined && first !== undefined) await openFile(first);
      },
      open: (server) => openFile(server),
      async propose(proposal) {
        await openFile(proposal.server, proposal);
        const { server, text, savedText } = get();
        if (server !== proposal.server || text !== proposal.text) return;
        // The form shows the client the change is about, with its rule marked changed.
        const [grant] = changedGrants(changedRules(savedText, text));
        set({ reviewing: true, ...(grant === undefined ? {} : { grantShown: grant }) });
        await runDryRun();
      },
      edit(text) {
        if (text === get().text) return;
        set({ text, checking: true, notice: undefined });
        scheduleCheck();
      },
      loadTools,
      showGrant: (grantShown) => set({ grantShown }),
      async review(calls) {
        set({ reviewing: true, notice: undefined });
        await runDryRun(calls);
      },
      closeReview: () => set({ reviewing: false }),
      async tryCall(input) {
        const { server, text } = get();
        if (server === undefined) return;
        set({ trying: true });
        try {
          const result = await api.call('policies.tryCall', { server, text, ...input });
          if (get().server !== server) return;
          if (result.ok) set({ trial: { text, input, decision: result.decision } });
          else set({ problems: result.errors, trial: undefined });
        } catch (error) {
          set({ error: errorMessage(error) });
        } finally {
          set({ trying: false });
        }
      },
      runDryRun,
      async save() {
        const { server, text, baseHash, saving } = get();
        if (server === undefined || saving) return false;
        set({ saving: true });
        try {
          const saved = await api.call('policies.save', {
            server,
            text,
            ...(baseHash === undefined ? {} : { baseHash }),
          });
          set({
            savedText: text,
            baseHash: saved.textHash,
            proposalNote: undefined,
            changedOnDisk: false,
            reviewing: false,
            notice: `Saved and in force for ${server}.`,
          });
          return true;
        } catch (error) {
          if (error instanceof ApiError && error.problems) set({ problems: error.problems });
          set({ error: errorMessage(error) });
          return false;
        } finally {
          set({ saving: false });
          afterSave(server);
        }
      },
      async revert() {
        const { server } = get();
        if (server !== undefined) await openFile(server);
      },
      dismissError: () => set({ error: undefined }),
      dismissNotice: () => set({ notice: undefined }),
    };
  });

  // Answers can come back out of order, and after the events of changes they predate.
  const policyList = createCacheSync(store, loadFailed);
  const grantList = createCacheSync(store, (error) => ({ error }));

  // A save in flight when the file's new hash arrives: checked again once the save has settled.
  let recheckAfterSave = false;
  /**
   * Compares the file on disk with what the draft was opened (or last saved) from, reading the
   * state when the answer arrives: our own save's event comes back while the save is in flight,
   * and the hash it wrote is known only once the save returns.
   */
  const checkDisk = (server: string) => {
    void api.call('policies.get', { server }).then(
      (file) => {
        const state = store.getState();
        if (state.server !== server) return;
        if (state.saving) {
          recheckAfterSave = true;
          return;
        }
        if (file.textHash === state.baseHash) return;
        if (!isDirty(state)) void state.revert();
        else store.setState({ changedOnDisk: true });
      },
      () => {},
    );
  };
  afterSave = (server) => {
    if (!recheckAfterSave) return;
    recheckAfterSave = false;
    checkDisk(server);
  };

  const unsubscribe = api.on((event) => {
    if (event.name === 'grants.changed') {
      void loadGrants();
      return;
    }
    if (event.name !== 'policy.changed') return;
    const { policy } = event.data;
    policyList.apply(({ policies }) => ({
      policies: upsert(policies, policy, byServer, byServerOrder, Infinity),
    }));
    const { server } = store.getState();
    if (policy.server === server) checkDisk(server);
  });

  return Object.assign(store, {
    stop() {
      clearTimeout(checkTimer);
      unsubscribe();
    },
  });
}

/** True when the draft differs from the file. */
export function isDirty(state: Pick<PoliciesState, 'text' | 'savedText'>): boolean {
  return state.savedText === undefined || state.text !== state.savedText;
}
