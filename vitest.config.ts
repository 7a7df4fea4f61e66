import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./packages/${file}`, import.meta.url));

// Tests run against the TypeScript sources, so no build is needed between edit and test.
// Exact-match patterns: '@loom/datasets/node' must not resolve through '@loom/datasets'.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@loom\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@loom\/nn$/, replacement: src('nn/src/index.ts') },
      { find: /^@loom\/nn\/node$/, replacement: src('nn/src/node.ts') },
      { find: /^@loom\/datasets$/, replacement: src('datasets/src/index.ts') },
      { find: /^@loom\/datasets\/node$/, replacement: src('datasets/src/node.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    testTimeout: 60_000,
    pool: 'threads',
  },
});
