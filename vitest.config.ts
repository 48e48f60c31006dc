import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `verdict/sdk` resolves to the built package (packages/sdk/dist) for everyone else; the tests run its sources,
// as tsconfig.json's `paths` type-check them.
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^verdict\/sdk$/, replacement: source('./src/sdk/index.ts') },
      { find: /^verdict\/sdk\/node$/, replacement: source('./src/sdk/node.ts') },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
