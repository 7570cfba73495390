// Build for the three Electron targets. The main target has two entries that share the core:
// the Electron app (index) and the headless CLI (cli), which `bin/airlock.js` runs in plain Node;
// and a third, the history's worker thread, which both start.
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          cli: resolve(__dirname, 'src/main/cli.ts'),
          // The history's reads and pruning run in this worker thread (history-reads.ts).
          'history-worker': resolve(__dirname, 'src/main/adapters/sqlite/history-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload runs as a classic script, so it must be CommonJS.
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
    plugins: [react()],
  },
});
