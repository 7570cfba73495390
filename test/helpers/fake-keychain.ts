// An in-memory stand-in for @napi-rs/keyring's Entry API (the part Airlock uses), behaving as the
// library does: getPassword gives null for no entry, deletePassword says whether there was one,
// and failures throw the library's kind of error. Tests make it fail on purpose.
import type {
  Keychain,
  KeychainEntry,
} from '../../src/main/adapters/secrets/keychain-secret-store';

export type KeychainOperation = 'entry' | 'get' | 'set' | 'delete';

export class FakeKeychain implements Keychain {
  readonly name = 'Fake Keychain';
  /** Passwords by service and account, as `${service}\n${account}`. */
  readonly items = new Map<string, string>();
  /** Operations that throw, as a locked or unreachable keychain does. */
  readonly failing = new Set<KeychainOperation>();
  /** setPassword throws for these values (Windows refuses a credential over 2560 bytes). */
  rejectValue: (value: string) => boolean = () => false;

  entry(service: string, account: string): KeychainEntry {
    this.check('entry');
    const id = `${service}\n${account}`;
    return {
      getPassword: () => {
        this.check('get');
        return this.items.get(id) ?? null;
      },
      setPassword: (password) => {
        this.check('set');
        if (this.rejectValue(password))
          throw keyringError('Attribute password is longer than platform limit');
        this.items.set(id, password);
      },
      deletePassword: () => {
        this.check('delete');
        return this.items.delete(id);
      },
    };
  }

  /** The password kept for one account under service "Airlock". */
  get(account: string): string | undefined {
    return this.items.get(`Airlock\n${account}`);
  }

  private check(operation: KeychainOperation): void {
    if (this.failing.has(operation)) {
      throw keyringError("Couldn't access platform storage: AccessDenied");
    }
  }
}

function keyringError(message: string): Error {
  return Object.assign(new Error(message), { code: 'GenericFailure' });
}
