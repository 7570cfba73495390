// Runs a command by name: checks its input against the contract's schema, then calls the handler.
// Both transports (HTTP in headless mode, IPC in the app) go through here, so both validate alike.
import {
  COMMANDS,
  isCommandName,
  type ApiErrorBody,
  type CommandName,
  type CommandOutput,
} from '../../../shared/contract';
import type { z } from 'zod';
import type { EventListener } from './event-bus';
import type { JsonStringBytes } from '../history/json-string-bytes';
import { ApiError } from '../../../shared/api-error';
import { errorMessage } from '../../../shared/error-message';
import type { Logger } from '../ports';

/**
 * What a command's handler returns: its output, except that an export's text stays the bytes the
 * history's worker made (JsonStringBytes) until a transport writes it.
 */
export type HandlerOutput<C extends CommandName> = C extends 'history.export'
  ? Omit<CommandOutput<C>, 'content'> & { content: JsonStringBytes }
  : CommandOutput<C>;

/** Handler for each command; its input has passed the command's schema. */
export type CommandHandlers = {
  [C in CommandName]: (
    input: z.output<(typeof COMMANDS)[C]['input']>,
  ) => HandlerOutput<C> | Promise<HandlerOutput<C>>;
};

export type DispatchResult =
  { ok: true; output: unknown } | { ok: false; error: ApiErrorBody['error'] };

export interface ApiDispatcher {
  dispatch(command: string, input: unknown): Promise<DispatchResult>;
  subscribe(listener: EventListener): () => void;
}

export function createDispatcher(
  handlers: CommandHandlers,
  subscribe: (listener: EventListener) => () => void,
  logger: Logger,
): ApiDispatcher {
  return {
    subscribe,
    async dispatch(command, input) {
      if (!isCommandName(command)) {
        return failure('not_found', `Unknown command "${command}".`);
      }
      const parsed = COMMANDS[command].input.safeParse(input ?? {});
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => ({
          path: issue.path.length === 0 ? '' : '/' + issue.path.map(String).join('/'),
          message: issue.message,
        }));
        return {
          ok: false,
          error: {
            code: 'invalid_input',
            message: `Invalid input for ${command}: ${problems.map((p) => (p.path ? `${p.path} ${p.message}` : p.message)).join('; ')}`,
            problems,
          },
        };
      }
      try {
        const handler = handlers[command] as (input: unknown) => unknown;
        return { ok: true, output: await handler(parsed.data) };
      } catch (error) {
        if (error instanceof ApiError) {
          return {
            ok: false,
            error: {
              code: error.code,
              message: error.message,
              ...(error.problems ? { problems: error.problems } : {}),
            },
          };
        }
        logger.error(`command ${command} failed`, {
          error: (error as Error)?.stack ?? String(error),
        });
        return failure('unavailable', `${command} failed: ${errorMessage(error)}`);
      }
    },
  };
}

function failure(code: ApiErrorBody['error']['code'], message: string): DispatchResult {
  return { ok: false, error: { code, message } };
}
