// Electron's Event object: what its emitters pass first to most listeners, with preventDefault.

export interface ElectronEvent {
  preventDefault(): void;
  readonly defaultPrevented: boolean;
  [key: string]: unknown;
}

export function electronEvent(fields: Record<string, unknown> = {}): ElectronEvent {
  let prevented = false;
  return {
    ...fields,
    preventDefault() {
      prevented = true;
    },
    get defaultPrevented() {
      return prevented;
    },
  };
}

/** Electron's KeyboardEvent for tray and menu clicks: no modifier held. */
export function keyboardEvent(): Record<string, boolean> {
  return {
    altKey: false,
    shiftKey: false,
    ctrlKey: false,
    metaKey: false,
    triggeredByAccelerator: false,
  };
}

/** The events an emitter has listeners for, for the state snapshot. */
export function listenedEvents(emitter: { eventNames(): (string | symbol)[] }): string[] {
  return emitter.eventNames().filter((name): name is string => typeof name === 'string');
}

const LISTEN_METHODS = [
  'on',
  'addListener',
  'once',
  'prependListener',
  'prependOnceListener',
] as const;

/**
 * Makes listening for an event the harness never emits throw, so an app that relies on one
 * (say 'did-navigate') learns under test that nothing would call it, instead of waiting forever.
 */
export function onlyEmulatedEvents(
  emitter: import('node:events').EventEmitter,
  name: string,
  events: readonly string[],
): void {
  const known = new Set<string | symbol>([...events, 'newListener', 'removeListener', 'error']);
  for (const method of LISTEN_METHODS) {
    const original = emitter[method].bind(emitter);
    Object.defineProperty(emitter, method, {
      configurable: true,
      value(event: string | symbol, listener: (...args: unknown[]) => void) {
        if (!known.has(event))
          throw new Error(`not emulated: the "${String(event)}" event of ${name}`);
        original(event, listener);
        return this;
      },
    });
  }
}

/**
 * Emits as Electron's native side does: a listener that throws does not stop what Electron was
 * doing (the quit goes on, ready still resolves); the error becomes an uncaught exception.
 */
export function emitNative(
  emitter: import('node:events').EventEmitter,
  event: string,
  ...args: unknown[]
): void {
  try {
    emitter.emit(event, ...args);
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}
