#!/usr/bin/env node
// The `airlock` command: runs the headless entry built by `npm install` (electron-vite build).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(entry)) {
  console.error(
    'airlock: out/main/cli.js is missing; run `npm install` (or `npm run build`) first.',
  );
  process.exit(1);
}
await import(entry);
