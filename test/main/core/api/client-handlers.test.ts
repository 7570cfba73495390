import { describe, expect, it } from 'vitest';
import { clientCommands } from '../../../../src/main/core/api/client-handlers';
import { ApiError } from '../../../../src/shared/api-error';

describe('the clients.* commands', () => {
  it('say they are unavailable where the clients on this machine are not managed', async () => {
    const commands = clientCommands();
    for (const run of [
      () => commands['clients.detect']({}),
      () => commands['clients.preview']({ client: 'cursor' }),
      () => commands['clients.protect']({ client: 'cursor' }),
      () => commands['clients.unprotect']({ client: 'cursor' }),
    ]) {
      let error: unknown;
      try {
        await run();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).code).toBe('unavailable');
    }
  });
});
