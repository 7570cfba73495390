// The app API's client commands: the MCP clients on this machine, and Protect and Unprotect. The
// work is in core/clients/protection.ts; without it (tests of other commands) each says it is
// unavailable rather than pretending.
import { ApiError } from '../../../shared/api-error';
import type { ClientProtection } from '../clients/protection';
import type { CommandHandlers } from './dispatcher';

type ClientCommand = 'clients.detect' | 'clients.preview' | 'clients.protect' | 'clients.unprotect';

export function clientCommands(clients?: ClientProtection): Pick<CommandHandlers, ClientCommand> {
  const use = (): ClientProtection => {
    if (clients === undefined) {
      throw new ApiError('unavailable', 'The clients on this machine are not managed here.');
    }
    return clients;
  };
  return {
    'clients.detect': () => ({ clients: use().detect(), bridge: use().bridge() }),
    'clients.preview': ({ client, servers }) => use().preview(client, servers),
    'clients.protect': ({ client, servers, basis }) => use().protect(client, servers, basis),
    'clients.unprotect': ({ client }) => use().unprotect(client),
  };
}
