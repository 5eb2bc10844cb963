import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'native-helper/**/*.test.ts', 'main/**/*.test.ts', 'test/**/*.test.ts', 'packaging/**/*.test.ts'],
    exclude: ['node_modules/**', 'build/**'],
    testTimeout: 20_000,
  },
});
