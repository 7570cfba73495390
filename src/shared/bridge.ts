// What the preload puts on `window.airlock` in the Electron app, and the IPC channels behind it.
// The renderer builds its `Api` (src/shared/contract.ts) over this bridge; in headless mode there
// is no bridge and it uses HTTP + SSE instead. Type-only imports keep zod out of the preload.
import type { ApiErrorBody, AppEvent, CommandInput, CommandName, CommandOutput } from './contract';

/** The only IPC channels Airlock uses; the main process checks every message's sender. */
export const IPC_CHANNELS = {
  /** invoke(command, input) → BridgeResult. */
  call: 'airlock:call',
  /** send(): start pushing events to this window. */
  subscribe: 'airlock:subscribe',
  /** send(): stop pushing events to this window. */
  unsubscribe: 'airlock:unsubscribe',
  /** main → renderer: one AppEvent. */
  event: 'airlock:event',
} as const;

/**
 * A command's answer as data: a failure crosses IPC as `{ ok: false }` rather than as a thrown
 * Error, whose message Electron would rewrite.
 */
export type BridgeResult<Output = unknown> =
  { ok: true; output: Output } | { ok: false; error: ApiErrorBody['error'] };

export interface AirlockBridge {
  call<C extends CommandName>(
    command: C,
    input: CommandInput<C>,
  ): Promise<BridgeResult<CommandOutput<C>>>;
  /** Calls `listener` with every event the core pushes until the returned function is called. */
  on(listener: (event: AppEvent) => void): () => void;
}

declare global {
  interface Window {
    /** Set by the preload in the Electron app; absent in a browser (headless mode). */
    readonly airlock?: AirlockBridge;
  }
}
