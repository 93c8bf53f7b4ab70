import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against sources; the built dist is exercised through the CLI tests.
    alias: [
      { find: /^@trellis\/core\/testing$/, replacement: `${root}packages/core/src/testing/index.ts` },
      { find: /^@trellis\/runner$/, replacement: `${root}apps/runner/src/index.ts` },
      { find: /^@trellis\/([a-z0-9-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
