// "Allow this tool for this grant for N minutes": short-lived permissions a person gives while
// answering a held call. They live in memory only, so a restart ends them (the safe direction),
// and each one expires by itself.
import type { TemporaryGrant } from '../../../shared/contract';
import type { Clock, Timers } from '../ports';

export class TemporaryGrants {
  private readonly grants = new Map<string, { grant: TemporaryGrant; cancelTimer: () => void }>();

  constructor(
    private readonly deps: {
      clock: Clock;
      timers: Timers;
      onChange?: () => void;
      newId?: () => string;
    },
  ) {}

  add(grant: string, server: string, tool: string, minutes: number): TemporaryGrant {
    const now = this.deps.clock.now();
    const entry: TemporaryGrant = {
      id: (this.deps.newId ?? (() => globalThis.crypto.randomUUID()))(),
      grant,
      server,
      tool,
      createdAt: now,
      expiresAt: now + minutes * 60_000,
    };
    const cancelTimer = this.deps.timers.after(minutes * 60_000, () => this.revoke(entry.id));
    this.grants.set(entry.id, { grant: entry, cancelTimer });
    this.deps.onChange?.();
    return entry;
  }

  /** The temporary grant covering this call now, if any. */
  find(grant: string, server: string, tool: string): TemporaryGrant | undefined {
    if (this.grants.size === 0) return undefined;
    const now = this.deps.clock.now();
    for (const { grant: entry } of this.grants.values()) {
      if (
        entry.grant === grant &&
        entry.server === server &&
        entry.tool === tool &&
        entry.expiresAt > now
      ) {
        return entry;
      }
    }
    return undefined;
  }

  list(): TemporaryGrant[] {
    const now = this.deps.clock.now();
    return [...this.grants.values()].map((g) => g.grant).filter((g) => g.expiresAt > now);
  }

  revoke(id: string): boolean {
    const entry = this.grants.get(id);
    if (!entry) return false;
    entry.cancelTimer();
    this.grants.delete(id);
    this.deps.onChange?.();
    return true;
  }

  /** Moves a client identity's temporary grants to its new name. */
  renameGrant(from: string, to: string): void {
    let moved = false;
    for (const entry of this.grants.values()) {
      if (entry.grant.grant !== from) continue;
      entry.grant = { ...entry.grant, grant: to };
      moved = true;
    }
    if (moved) this.deps.onChange?.();
  }

  /** Ends every temporary grant of a client identity (when the grant itself is revoked). */
  revokeGrant(grant: string): void {
    for (const [id, entry] of this.grants) if (entry.grant.grant === grant) this.revoke(id);
  }
}
