// The small interfaces through which the core reaches the world. Composition roots
// (src/main/cli.ts, src/main/index.ts) pass real implementations; tests pass in-memory ones.
import type { JsonProblem } from '../../shared/model/json-problem';
import type { SecretStoreInfo } from '../../shared/model/servers';

// The API model lives in src/shared; the core's modules and adapters reach it through here too.
export type { JsonProblem, SecretStoreInfo };

/** Wall-clock time in milliseconds since the epoch. Passed in so tests move time instead of sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Runs a function later. Passed in with the Clock so tests fire timeouts by moving time. */
export interface Timers {
  /** Calls `fn` after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemTimers: Timers = {
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    // A pending timeout must not keep a process alive that is otherwise done.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** One call counted against a named limit counter. */
export interface CounterEvent {
  counter: string;
  grant: string;
  session: string;
  /** Epoch milliseconds. */
  at: number;
}

/**
 * Durable storage for counter events, so rate limits survive a restart. The limiter counts from
 * memory; a store may write appended events a moment later. An append that throws (the store
 * cannot write) must refuse the call it was counting (nothing fails open).
 */
export interface CounterStore {
  /** Every stored event with `at` greater than `since`, oldest first. */
  loadSince(since: number): CounterEvent[];
  append(events: readonly CounterEvent[]): void;
  /** Drops events older than `before`; they can no longer fall inside any window. */
  pruneBefore(before: number): void;
  /** Moves a renamed grant's events to its new name. */
  renameGrant(from: string, to: string): void;
}

/**
 * Keeps upstream secrets (env and header values) that config.json refers to by key: the OS
 * keychain, or a file readable by the user alone where there is none. Each method throws when the
 * store cannot be used (locked, unreadable, refused the write); nothing is guessed.
 */
export interface SecretStore {
  readonly info: SecretStoreInfo;
  /** The value, or undefined when the store has none for `key`. */
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  /** Nothing happens when there is no value for `key`. */
  delete(key: string): void;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: JsonProblem[] };
