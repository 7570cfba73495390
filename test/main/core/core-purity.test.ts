// The core and the shared model stay runtime-neutral: each file may import only its own layer, the
// layers below it, and a short list of pure packages. An allow-list, so that a new way to do IO
// (node:net, node:child_process, a relative import of an adapter) fails here without being named.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

interface Layer {
  /** Folders under src/ that the layer's files may import from. */
  folders: string[];
  /** Packages (and their subpaths) and node builtins the layer may import. */
  packages: string[];
}

const SHARED: Layer = { folders: ['shared'], packages: ['zod'] };
const CORE: Layer = {
  folders: ['main/core', 'shared'],
  packages: ['zod', 'ajv', 'ajv-formats', 'jsonc-parser', 're2js', 'node:crypto'],
};

function specifiers(text: string): string[] {
  const found = text.matchAll(
    /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g,
  );
  return [...found].map((m) => m[1] as string);
}

function allowed(layer: Layer, file: string, specifier: string): boolean {
  if (specifier.startsWith('.')) {
    const target = relative(SRC, resolve(dirname(file), specifier))
      .split(sep)
      .join('/');
    return layer.folders.some((f) => target === f || target.startsWith(`${f}/`));
  }
  return layer.packages.some((p) => specifier === p || specifier.startsWith(`${p}/`));
}

/** The imports of `text` (the source of `file`) that `layer` does not allow. */
function outsideLayer(layer: Layer, file: string, text: string): string[] {
  return specifiers(text).filter((s) => !allowed(layer, file, s));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe.each([
  ['src/main/core', CORE],
  ['src/shared', SHARED],
])('%s', (folder, layer) => {
  const root = join(SRC, folder.slice('src/'.length));
  it.each(sourceFiles(root).map((f) => [f.slice(root.length + 1), f]))(
    '%s imports only what the layer allows',
    (_name, file) => {
      expect(outsideLayer(layer, file, readFileSync(file, 'utf8'))).toEqual([]);
    },
  );
});

describe('the allow-list', () => {
  const gatekeeper = join(SRC, 'main/core/gatekeeper.ts');
  const contract = join(SRC, 'shared/contract.ts');

  it.each([
    "import { connect } from 'node:net';",
    "import { spawn } from 'node:child_process';",
    "import { readFileSync } from 'node:fs';",
    "import { readFileSync } from 'fs';",
    "import Database from 'better-sqlite3';",
    "const { app } = await import('electron');",
    "import { readBody } from './../main/adapters/http/read-body';",
    "import { readBody } from '../adapters/http/read-body';",
    "import type { Runtime } from '../runtime';",
    "export { systemClock } from '../adapters/log/file-logger';",
    "import '../adapters/sqlite/native-binding';",
  ])('refuses %s in the core', (line) => {
    expect(outsideLayer(CORE, gatekeeper, line)).toHaveLength(1);
  });

  it.each([
    "import type { Clock } from '../main/core/ports';",
    "import { createHash } from 'node:crypto';",
    "import { parse } from 'jsonc-parser';",
  ])('refuses %s in shared', (line) => {
    expect(outsideLayer(SHARED, contract, line)).toHaveLength(1);
  });

  it('lets the core import itself, shared and its pure packages', () => {
    const text = [
      "import type { Clock } from './ports';",
      "import { NAME_RULE } from '../../shared/model/names';",
      "import Ajv2020 from 'ajv/dist/2020.js';",
      "import { createHash } from 'node:crypto';",
    ].join('\n');
    expect(outsideLayer(CORE, gatekeeper, text)).toEqual([]);
  });
});
