// The layer rule as `npm run lint` runs it (the repository's own eslint.config.js): each layer
// may import itself and the layers below it, and an import the other way is an error.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'airlock/layer-imports')
    .map((m) => m.message);
}

describe('airlock/layer-imports', () => {
  it.each([
    [
      'src/shared/contract.ts',
      "import type { X } from '../main/core/ports';",
      'shared may not import core',
    ],
    [
      'src/shared/model/names.ts',
      "export { X } from '../../main/core/config/types';",
      'shared may not import core',
    ],
    [
      'src/renderer/src/features/servers/ServersScreen.tsx',
      "import { X } from '../../../../main/core/config/names';",
      'renderer may not import core',
    ],
    [
      'src/renderer/src/App.tsx',
      "const m = import('../../main/runtime');",
      'renderer may not import roots',
    ],
    [
      'src/preload/index.ts',
      "import { X } from '../main/adapters/electron/ipc-api';",
      'preload may not import adapters',
    ],
    [
      'src/main/core/gatekeeper.ts',
      "import { X } from './../adapters/http/read-body';",
      'core may not import adapters',
    ],
    [
      'src/main/core/api/handlers.ts',
      "import type { X } from '../../runtime';",
      'core may not import roots',
    ],
    [
      'src/main/core/ports.ts',
      "export * from '../adapters/sqlite/database';",
      'core may not import adapters',
    ],
    [
      'src/main/adapters/http/api-routes.ts',
      "import { X } from '../../runtime';",
      'adapters may not import roots',
    ],
  ])('%s: %s is refused', async (file, code, says) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(says);
  });

  it.each([
    ['src/shared/contract.ts', "import { X } from './model/names';"],
    ['src/renderer/src/App.tsx', "import { X } from '../../shared/contract';"],
    ['src/main/core/gatekeeper.ts', "import { X } from '../../shared/model/names';"],
    ['src/main/adapters/http/api-routes.ts', "import { X } from '../../core/ports';"],
    ['src/main/runtime.ts', "import { X } from './adapters/http/http-server';"],
    ['test/main/core/fakes.ts', "import { X } from '../../../src/main/runtime';"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});
