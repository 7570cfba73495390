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
    const held = this.held.get(command);
    if (!held) return (await handler(input as CommandInput<CommandName>)) as CommandOutput<C>;
    // Answered now, from the state the core has when asked; delivered when the test says.
    const answer = (async () => handler(input as CommandInput<CommandName>))();
    answer.catch(() => {}); // a failure is delivered at release, not reported as unhandled before
    await held.arrival();
    return (await answer) as CommandOutput<C>;
  }

  private readonly held = new Map<CommandName, HeldAnswers>();

  /**
   * Holds the answers to `command` from now on: each is made when asked, as the core would, and
   * arrives only when released, so a test chooses the order of answers and events.
   */
  hold(command: CommandName): HeldAnswers {
    const held = new HeldAnswers();
    this.held.set(command, held);
    return held;
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

/** The answers to one command, held in the order asked. */
export class HeldAnswers {
  private readonly gates: (() => void)[] = [];
  private readonly waiting: Promise<void>[] = [];

  /** How many answers have been asked for so far. */
  get asked(): number {
    return this.waiting.length;
  }

  arrival(): Promise<void> {
    const arrived = new Promise<void>((resolve) => this.gates.push(resolve));
    this.waiting.push(arrived);
    return arrived;
  }

  /** Lets the answer to the `nth` request (0: the first asked) arrive. */
  release(nth = 0): void {
    const gate = this.gates[nth];
    if (!gate) throw new Error(`FakeApi: only ${this.gates.length} answers were asked for`);
    gate();
  }
}
