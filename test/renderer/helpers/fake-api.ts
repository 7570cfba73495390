// An Api for store and component tests: each command answers from a handler the test sets, every
// call is recorded, and the test pushes events as the core would. A command with no handler
// fails the test loudly instead of answering something made up.
import type {
  Api,
  AppEvent,
  CommandInput,
  CommandName,
  CommandOutput,
} from '../../../src/shared/contract';

type Handler<C extends CommandName> = (
  input: CommandInput<C>,
) => CommandOutput<C> | Promise<CommandOutput<C>>;

export class FakeApi implements Api {
  readonly calls: { command: CommandName; input: unknown }[] = [];
  private readonly listeners = new Set<(event: AppEvent) => void>();
  private readonly handlers = new Map<CommandName, Handler<CommandName>>();

  /** Sets how a command answers; a handler may throw an ApiError to fail the call. */
  handle<C extends CommandName>(command: C, handler: Handler<C>): this {
    this.handlers.set(command, handler as unknown as Handler<CommandName>);
    return this;
  }

  async call<C extends CommandName>(command: C, input: CommandInput<C>): Promise<CommandOutput<C>> {
    this.calls.push({ command, input });
    const handler = this.handlers.get(command);
    if (!handler) throw new Error(`FakeApi: no handler for ${command}`);
    return (await handler(input as CommandInput<CommandName>)) as CommandOutput<C>;
  }

  /** The inputs sent with one command, in order. */
  inputsOf<C extends CommandName>(command: C): CommandInput<C>[] {
    return this.calls.filter((c) => c.command === command).map((c) => c.input as CommandInput<C>);
  }

  on(listener: (event: AppEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private readonly reconnectListeners = new Set<() => void>();

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** As the HTTP client does when its event stream is back after a drop. */
  reconnect(): void {
    for (const listener of this.reconnectListeners) listener();
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  push(event: AppEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
