// The direction between the source layers, as a lint rule: shared is the bottom layer, the core
// sits on it, adapters on the core, and only the composition roots (src/main/*.ts) see everything.
// The renderer and the preload see shared alone. Relative imports are resolved against the
// importing file, so "../../adapters/x" and "../runtime" are caught wherever the file sits.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's src/, wherever eslint is run from. */
const SRC = fileURLToPath(new URL('../src', import.meta.url));

/** What each layer may import from, besides itself. */
const MAY_IMPORT = {
  shared: [],
  core: ['shared'],
  adapters: ['core', 'shared'],
  roots: ['adapters', 'core', 'shared'],
  preload: ['shared'],
  renderer: ['shared'],
};

/** The layer of a file under src/, or undefined for files outside the layered tree (tests, bench). */
export function layerOf(file) {
  const parts = path.relative(SRC, path.resolve(file)).split(path.sep);
  if (parts[0] === '..' || path.isAbsolute(parts[0])) return undefined;
  if (parts[0] === 'shared' || parts[0] === 'preload' || parts[0] === 'renderer') return parts[0];
  if (parts[0] !== 'main') return undefined;
  if (parts[1] === 'core' || parts[1] === 'adapters') return parts[1];
  return parts.length === 2 ? 'roots' : undefined;
}

export const layerImports = {
  meta: {
    type: 'problem',
    docs: {
      description: 'Layers import only the layers below them (see eslint-rules/layer-imports.js).',
    },
    schema: [],
    messages: {
      upward:
        '{{from}} may not import {{to}} ("{{specifier}}"): {{from}} may import only {{allowed}}.',
    },
  },
  create(context) {
    const from = layerOf(context.filename);
    if (from === undefined) return {};
    const allowed = [from, ...MAY_IMPORT[from]];
    function check(node) {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const specifier = source.value;
      if (!specifier.startsWith('.')) return;
      const to = layerOf(path.resolve(path.dirname(context.filename), specifier)) ?? 'outside src';
      if (allowed.includes(to)) return;
      context.report({
        node: source,
        messageId: 'upward',
        data: { from, to, specifier, allowed: allowed.join(', ') },
      });
    }
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};
