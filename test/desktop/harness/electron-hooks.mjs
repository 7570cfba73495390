// Module hooks (run on Node's loader thread) that resolve the specifier `electron` to a module
// whose exports are the fake's, read from a global the --import module set on the main thread.
export const OPTIONS_KEY = 'airlock.electronHarness';
const URL = 'electron-harness:electron';
let exportNames = [];

export function initialize(data) {
  exportNames = data?.exportNames ?? [];
}

export function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron' || specifier === 'electron/main')
    return { url: URL, shortCircuit: true };
  return nextResolve(specifier, context);
}

export function load(url, context, nextLoad) {
  if (url !== URL) return nextLoad(url, context);
  const harness = `globalThis[Symbol.for(${JSON.stringify(OPTIONS_KEY)})]`;
  const source = [
    `const harness = ${harness};`,
    'harness.appImported();',
    'export default harness.electron;',
    ...exportNames.map((name) => `export const ${name} = harness.electron.${name};`),
  ].join('\n');
  return { format: 'module', source, shortCircuit: true };
}
