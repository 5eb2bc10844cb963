// ESLint for the whole repository: TypeScript (typescript-eslint's recommended rules), Svelte components, no
// import cycles between files, and nothing that fights Prettier (formatting is Prettier's: .prettierrc.json).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['build/', 'dist/', 'node_modules/', 'renderer/dist/', 'test/artifacts/', 'native-helper/addon/build/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `[c, tau, k] = KDF(...)` reassigns c and k: a destructuring counts as one.
      'prefer-const': ['error', { destructuring: 'all' }],
      // A leading underscore says "unused on purpose" (a parameter a signature requires, a rest sibling).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
    // Svelte's own rule knows runes: `let { a, b } = $props()` is how components take their properties.
    rules: { 'prefer-const': 'off', 'svelte/prefer-const': ['error', { destructuring: 'all' }] },
  },
  {
    files: ['**/*.ts', '**/*.svelte', '**/*.js', '**/*.mjs', '**/*.cts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver()],
    },
    rules: {
      // A cycle makes load order matter and hides a missing seam; type-only imports are not followed.
      'import-x/no-cycle': 'error',
    },
  },
  prettier,
  ...svelte.configs.prettier,
);
