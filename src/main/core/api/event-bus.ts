// Fans the core's events out to every subscribed UI (HTTP event streams, Electron windows). A
// listener that throws is logged and does not stop the others or the call that emitted.
import type { AppEvent, EventName, EventPayloads } from '../../../shared/contract';
import { silentLogger, type Logger } from '../ports';

export type EventListener = (event: AppEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly logger: Logger = silentLogger) {}

  /** True when someone listens; lets a hot path skip building an event nobody will read. */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends EventName>(name: E, data: EventPayloads[E]): void {
    if (this.listeners.size === 0) return;
    const event = { name, data } as AppEvent;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(`event listener failed on ${name}`, { error: String(error) });
      }
    }
  }
}
