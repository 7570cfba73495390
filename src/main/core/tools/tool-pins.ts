// Pinned tool definitions: the first definition Airlock sees of each server's tool is trusted and
// pinned (trust on first use); a later listing that shows another definition records it as
// waiting for a person, and a call made while its session sees a definition other than the pinned
// one is held (call-guard.ts) with the difference, until a person accepts the new definition.
// Pins are per server and tool name, shared by every session, and kept by a PinStore (history.sqlite).
import type { Clock, Logger } from '../ports';
import { errorMessage } from '../../../shared/error-message';
import type { DefinitionChange, FieldDiff } from '../../../shared/model/tools';
import { diffDefinitions } from './definition-diff';
import type { SeenDefinition, ToolDefinition } from './tool-definition';

/** One definition of a tool with its hash and when it was pinned (or first seen). */
export interface PinnedVersion {
  hash: string;
  definition: ToolDefinition;
  /** Epoch ms. */
  at: number;
}

export interface ToolPin {
  server: string;
  tool: string;
  /** The definition in force: the first one seen, or the last one a person accepted. */
  accepted: PinnedVersion;
  /** The newest other definition a listing showed, waiting for a person to accept it. */
  changed?: PinnedVersion;
}

/** Durable pins. Both methods throw when the store cannot be used. */
export interface PinStore {
  loadAll(): ToolPin[];
  /** Inserts or replaces the pin of (server, tool). */
  save(pin: ToolPin): void;
}

export type PinReview =
  | { kind: 'pinned' }
  | { kind: 'changed'; change: DefinitionChange }
  /** First sight, and the pin could not be written: nothing is pinned, so nothing is trusted. */
  | { kind: 'unrecorded'; problem: string };

export type AcceptResult =
  { ok: true; pin: ToolPin } | { ok: false; code: 'not_found' | 'conflict'; message: string };

export interface ToolPinsDeps {
  store: PinStore;
  clock: Clock;
  logger: Logger;
  /** A definition changed (first seen by a listing) or a person accepted one. */
  onChange?(pin: ToolPin, cause: 'changed' | 'accepted'): void;
}

/** Diffs kept, since each held call of a changed tool needs the same one. */
const DIFF_CACHE = 100;

export class ToolPins {
  private readonly pins = new Map<string, ToolPin>();
  private readonly diffs = new Map<string, FieldDiff[]>();

  constructor(private readonly deps: ToolPinsDeps) {
    for (const pin of deps.store.loadAll()) this.pins.set(key(pin.server, pin.tool), pin);
  }

  get(server: string, tool: string): ToolPin | undefined {
    return this.pins.get(key(server, tool));
  }

  /** Every pinned tool, for finding mentions and imitations of one tool by another. */
  tools(): { server: string; tool: string }[] {
    return [...this.pins.values()].map(({ server, tool }) => ({ server, tool }));
  }

  /**
   * What a listing of `server`'s tools showed: new tools are pinned, changed definitions recorded.
   * Never throws: a store that fails is logged, and each call checks its tool again (review).
   */
  observe(server: string, listed: readonly SeenDefinition[]): void {
    for (const seen of listed) this.review(server, seen);
  }

  /**
   * Compares the definition a session saw with the pin, pinning it on first sight and recording
   * a new definition as changed.
   */
  review(server: string, seen: SeenDefinition): PinReview {
    const tool = seen.definition.name;
    const pin = this.get(server, tool);
    const now = this.deps.clock.now();
    if (pin === undefined) {
      const first: ToolPin = {
        server,
        tool,
        accepted: { hash: seen.hash, definition: seen.definition, at: now },
      };
      try {
        this.deps.store.save(first);
      } catch (error) {
        const problem = `Airlock could not record the definition of "${tool}" (${errorMessage(error)})`;
        this.deps.logger.error(problem, { server });
        return { kind: 'unrecorded', problem };
      }
      this.pins.set(key(server, tool), first);
      return { kind: 'pinned' };
    }
    if (pin.accepted.hash === seen.hash) return { kind: 'pinned' };
    if (pin.changed?.hash !== seen.hash) {
      // Kept in memory even if the write fails: the call is held either way, and an accept
      // writes the whole pin again.
      pin.changed = { hash: seen.hash, definition: seen.definition, at: now };
      this.deps.logger.warn(`the definition of ${server}/${tool} changed since it was accepted`, {
        server,
        tool,
      });
      this.save(pin);
      this.deps.onChange?.(pin, 'changed');
    }
    return { kind: 'changed', change: this.changeOf(pin, pin.changed) };
  }

  /** How `pin`'s changed definition (or `version`) differs from the accepted one. */
  changeOf(pin: ToolPin, version: PinnedVersion): DefinitionChange {
    const cacheKey = `${pin.accepted.hash}:${version.hash}`;
    let fields = this.diffs.get(cacheKey);
    if (fields === undefined) {
      fields = diffDefinitions(pin.accepted.definition, version.definition);
      this.diffs.set(cacheKey, fields);
      if (this.diffs.size > DIFF_CACHE) this.diffs.delete(this.diffs.keys().next().value!);
    }
    return {
      acceptedHash: pin.accepted.hash,
      acceptedAt: pin.accepted.at,
      hash: version.hash,
      fields,
    };
  }

  /**
   * A person accepts the definition with `hash` (the one a held call or the Servers screen showed):
   * it becomes the pin, and calls that see it follow the policy again. Refused when the tool
   * changed again since, so no one accepts a definition they did not see. Throws when the store
   * cannot write it.
   */
  accept(server: string, tool: string, hash: string): AcceptResult {
    const pin = this.get(server, tool);
    if (pin === undefined) {
      return {
        ok: false,
        code: 'not_found',
        message: `Airlock has no definition of "${tool}" on server "${server}".`,
      };
    }
    if (pin.accepted.hash === hash && pin.changed === undefined) return { ok: true, pin };
    if (pin.changed?.hash !== hash) {
      return {
        ok: false,
        code: 'conflict',
        message:
          pin.accepted.hash === hash
            ? `That definition of "${tool}" is already the accepted one.`
            : `The definition of "${tool}" changed again since that one was shown; review the newest one.`,
      };
    }
    const accepted: ToolPin = {
      server,
      tool,
      accepted: { ...pin.changed, at: this.deps.clock.now() },
    };
    this.deps.store.save(accepted);
    this.pins.set(key(server, tool), accepted);
    this.deps.logger.info(`the new definition of ${server}/${tool} was accepted`, { hash });
    this.deps.onChange?.(accepted, 'accepted');
    return { ok: true, pin: accepted };
  }

  private save(pin: ToolPin): void {
    try {
      this.deps.store.save(pin);
    } catch (error) {
      this.deps.logger.error('could not record a changed tool definition', {
        server: pin.server,
        tool: pin.tool,
        error: errorMessage(error),
      });
    }
  }
}

function key(server: string, tool: string): string {
  return `${server}\u0000${tool}`;
}
