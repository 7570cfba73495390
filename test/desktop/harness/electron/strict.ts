// Makes a use of Electron that the harness does not emulate fail loudly: an object wrapped by
// `strict` throws "not emulated: <name>.<property>" for any property it lacks, instead of handing
// the app `undefined` and letting a feature silently do nothing under test.

/** Properties that runtimes and test tools probe on any object; answering undefined is safe. */
const PROBED = new Set([
  'then',
  'toJSON',
  'constructor',
  'inspect',
  'asymmetricMatch',
  '$$typeof',
  'nodeType',
  'tagName',
  '@@__IMMUTABLE_ITERABLE__@@',
  '@@__IMMUTABLE_RECORD__@@',
  '_isMockFunction',
  '__esModule',
]);

export class NotEmulatedError extends Error {
  constructor(what: string, why?: string) {
    super(`not emulated: ${what}${why ? ` (${why})` : ''}`);
    this.name = 'NotEmulatedError';
  }
}

export function notEmulated(what: string, why?: string): never {
  throw new NotEmulatedError(what, why);
}

/** Wraps an object (or a class) so that reading a property it does not have throws. */
export function strict<T extends object>(target: T, name: string): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      if (typeof property === 'symbol' || property in object || PROBED.has(property)) {
        return Reflect.get(object, property, receiver);
      }
      return notEmulated(`${name}.${property}`);
    },
  });
}

/** An Electron module the harness has nothing for: any use of it throws. */
export function missingModule(name: string): object {
  return strict(Object.create(null) as object, `electron.${name}`);
}

/** A method Electron has that the harness does not emulate. */
export function missingMethod(name: string): (...args: unknown[]) => never {
  return () => notEmulated(name);
}
