// The desktop shell's own commands (tray, notifications) go through the same dispatcher as the
// window's, so they are checked and answered alike; this gives them a typed, throwing form.
import type { CommandInput, CommandName, CommandOutput } from '../../../shared/contract';
import { ApiError } from '../../../shared/api-error';
import type { ApiDispatcher } from '../../core/api/dispatcher';

export type AppCommands = <C extends CommandName>(
  command: C,
  input: CommandInput<C>,
) => Promise<CommandOutput<C>>;

export function appCommands(dispatcher: Pick<ApiDispatcher, 'dispatch'>): AppCommands {
  return async (command, input) => {
    const result = await dispatcher.dispatch(command, input);
    if (!result.ok) throw new ApiError(result.error.code, result.error.message);
    return result.output as CommandOutput<typeof command>;
  };
}
