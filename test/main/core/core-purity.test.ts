// The core stays runtime-neutral: no Electron, no native database, no file system, no HTTP.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CORE = fileURLToPath(new URL('../../../src/main/core', import.meta.url));
const FORBIDDEN = [
  'electron',
  'better-sqlite3',
  '@napi-rs/keyring',
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'http',
  'node:http',
  'https',
  'node:https',
  'http2',
  'node:http2',
  'express',
  'fastify',
  'koa',
  'hono',
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe('src/main/core', () => {
  it.each(sourceFiles(CORE).map((f) => [f.slice(CORE.length + 1), f]))(
    '%s imports nothing that does IO',
    (_name, file) => {
      const text = readFileSync(file, 'utf8');
      const specifiers = [
        ...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g),
      ].map((m) => m[1]);
      const bad = specifiers.filter((s) => FORBIDDEN.includes(s as string));
      expect(bad).toEqual([]);
    },
  );
});
