// Lint rules for the whole repository: TypeScript-aware recommended rules, the direction between
// the source layers, nothing stylistic (prettier owns formatting).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layerImports } from './eslint-rules/layer-imports.js';

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Only src/main/adapters/electron and src/main/index.ts may import electron.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/adapters/electron/**', 'src/main/index.ts', 'src/preload/**', 'test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/**'],
    plugins: { airlock: { rules: { 'layer-imports': layerImports } } },
    rules: { 'airlock/layer-imports': 'error' },
  },
);
