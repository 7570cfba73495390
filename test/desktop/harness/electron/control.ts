// The fake's side of the control channel (fd 3, JSON lines): it answers the DesktopApp's requests
// with the ops the fake's modules register, reports that the recorded state changed, and sends
// the final state synchronously just before the process ends, so nothing is lost to the exit.
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import {
  CONTROL_FD,
  OPTIONS_ENV,
  type ChildMessage,
  type HarnessOptions,
  type HarnessPlatform,
  type HarnessState,
  type ParentMessage,
  type Request,
} from '../control-protocol';

type Op = Request['op'];
type Handler = (request: Request) => unknown;

const handlers = new Map<Op, Handler>();
const stateParts: (() => Partial<HarnessState>)[] = [];
const problems: string[] = [];
let changeScheduled = false;
let connected = false;

export const options: HarnessOptions = JSON.parse(process.env[OPTIONS_ENV] ?? 'null') ?? {
  scratchDir: '',
  chromiumPath: '',
  chromiumArgs: [],
};

/** The platform the app sees (register-electron.mjs set process.platform to the chosen one). */
export const platform = process.platform as HarnessPlatform;

/** Writes one message now. Synchronous, so the last one before process.exit() is not lost. */
function send(message: ChildMessage): void {
  if (!connected) return;
  let data = Buffer.from(JSON.stringify(message) + '\n');
  while (data.length > 0) {
    try {
      const written = writeSync(CONTROL_FD, data);
      data = data.subarray(written);
    } catch (error) {
      // The socket is non-blocking: wait a moment for the test process to read.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** Registers the answer to one request kind. */
export function onRequest<O extends Op>(
  op: O,
  handler: (request: Extract<Request, { op: O }>) => unknown,
): void {
  handlers.set(op, handler as Handler);
}

/** Adds a part of the state snapshot. */
export function reportState(part: () => Partial<HarnessState>): void {
  stateParts.push(part);
}

/** Tells the DesktopApp the state changed (once per turn of the event loop). */
export function changed(): void {
  if (changeScheduled) return;
  changeScheduled = true;
  setImmediate(() => {
    changeScheduled = false;
    send({ type: 'changed' });
  });
}

/** Records something that went wrong which the app may not have noticed. */
export function problem(text: string): void {
  problems.push(text);
  changed();
}

export function snapshot(): HarnessState {
  const state = { problems: [...problems] } as Partial<HarnessState>;
  for (const part of stateParts) Object.assign(state, part());
  return state as HarnessState;
}

// The last thing the process does, however it ends: the final state, written synchronously.
process.on('exit', (code) => send({ type: 'exit', code, state: snapshot() }));

/** Opens the channel, if the process was started by a DesktopApp. */
export function connectControl(onDisconnect: () => void): void {
  let socket: Socket;
  try {
    socket = new Socket({ fd: CONTROL_FD, readable: true, writable: false });
  } catch {
    return; // run by hand, without a DesktopApp
  }
  connected = true;
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      void answer(JSON.parse(line) as ParentMessage);
    }
  });
  // The test process went away: like an Electron app whose parent killed it, end at once.
  socket.on('close', () => {
    connected = false;
    onDisconnect();
  });
  socket.on('error', () => {});
  send({ type: 'hello', pid: process.pid });
}

async function answer(message: ParentMessage): Promise<void> {
  const { id, request } = message;
  try {
    const handler = handlers.get(request.op);
    if (!handler) throw new Error(`the harness has no op "${request.op}"`);
    const value = await handler(request);
    send({ type: 'reply', id, ok: true, value: value ?? null });
  } catch (error) {
    send({ type: 'reply', id, ok: false, error: (error as Error)?.message ?? String(error) });
  }
}

onRequest('state', () => snapshot());
