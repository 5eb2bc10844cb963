import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    projects: [
      {
        // The tests beside the code (`npm run check`); those that need root say so and skip without it.
        extends: true,
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'native-helper/**/*.test.ts', 'main/**/*.test.ts', 'packaging/**/*.test.ts'],
          exclude: ['node_modules/**', 'build/**'],
        },
      },
      {
        // The suites across modules: network namespaces, Chromium, throwaway roots; root.
        extends: true,
        test: {
          name: 'system',
          include: ['test/**/*.test.ts'],
          exclude: ['node_modules/**', 'build/**'],
        },
      },
      {
        // The renderer's state modules (.svelte.ts) need Svelte's compiler for runes and its client runtime.
        extends: true,
        plugins: [svelte({ configFile: false })],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'renderer',
          include: ['renderer/**/*.test.ts'],
          exclude: ['node_modules/**', 'renderer/dist/**'],
        },
      },
    ],
  },
});
