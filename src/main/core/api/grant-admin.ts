// Adding, renaming and revoking grants (client identities) from the app, and what a grant's end
// does to what it holds: its held calls refused, its temporary grants dropped, its sessions closed.
// Where grants are kept (secrets.json) and how tokens are checked are the ports below.
import { errorMessage } from '../../../shared/error-message';
import type { ApprovalQueue } from '../approvals/approval-queue';
import type { TemporaryGrants } from '../approvals/temporary-grants';
import type { Logger } from '../ports';
import type { EventBus } from './event-bus';
import type { GrantAdmin } from './handlers';

/** Where grants are kept, with their token hashes. Each method throws an Error saying why it failed. */
export interface GrantStore {
  list(): { name: string; created: string }[];
  /** The token is in this answer only. */
  create(name: string): { name: string; token: string };
  /** False when there was no such grant. */
  revoke(name: string): boolean;
  rename(name: string, newName: string): void;
}

/** What checks the agents' tokens: it must see a grant added, renamed or revoked at once. */
export interface GrantTokens {
  refresh(): void;
  /** The grant's token stops working now; it then reports the grant as revoked (see `end`). */
  revoked(name: string): void;
}

export interface GrantAdminDeps {
  store: GrantStore;
  tokens: GrantTokens;
  approvals: Pick<ApprovalQueue, 'withdrawGrant'>;
  temporaryGrants: Pick<TemporaryGrants, 'revokeGrant'>;
  /** Closes the grant's client sessions (withdrawing whatever they still have held). */
  closeSessions(grant: string): Promise<void>;
  events: EventBus;
  logger: Logger;
}

export interface GrantLifecycle extends GrantAdmin {
  /** Grants revoked here or by another process: each ends at once, then UIs are told. */
  end(names: readonly string[]): void;
}

export function createGrantAdmin(deps: GrantAdminDeps): GrantLifecycle {
  const { store, tokens, events, logger } = deps;
  const closeSessions = (name: string, why: string) =>
    deps.closeSessions(name).catch((error: unknown) =>
      logger.error(`could not close the sessions of ${why} grant ${name}`, {
        error: errorMessage(error),
      }),
    );
  const endOne = (name: string) => {
    deps.temporaryGrants.revokeGrant(name);
    try {
      // First, so that its agents read why; a session closed first would say "disconnected".
      const refused = deps.approvals.withdrawGrant(name);
      logger.info(`grant ${name} revoked: its held calls are refused and its sessions closed`, {
        heldCalls: refused,
      });
    } finally {
      // Also withdraws whatever is still held there, should the refusals above have failed.
      void closeSessions(name, 'revoked');
    }
  };
  return {
    list: () => store.list().map(({ name, created }) => ({ name, created })),
    add(name) {
      const created = store.create(name);
      tokens.refresh();
      events.emit('grants.changed', {});
      return created;
    },
    revoke(name) {
      const revoked = store.revoke(name);
      // Its token stops working now; its held calls and sessions end (see end).
      if (revoked) tokens.revoked(name);
      return revoked;
    },
    rename(name, newName) {
      store.rename(name, newName);
      tokens.refresh();
      // The token keeps working under the new name, but sessions are bound to the old one and
      // cannot be used any more (clients start new ones). Closing them now leaves no held call
      // behind that a later revocation of the new name would not find.
      void closeSessions(name, 'renamed');
      events.emit('grants.changed', {});
    },
    end(names) {
      for (const name of names) endOne(name);
      events.emit('grants.changed', {});
    },
  };
}
