import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./packages/${file}`, import.meta.url));

const JIT_SUITES = ['packages/core/test/jit_*.test.ts', 'packages/core/src/compile/**/*.test.ts'];

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
    setupFiles: ['./vitest.setup.ts'],
    testTimeout: 60_000,
    pool: 'threads',
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
        },
      },
      {
        // The jit suites on the JavaScript lowering ('auto' is WebAssembly wherever it runs).
        extends: true,
        test: {
          name: 'js',
          include: JIT_SUITES,
          env: { LOOM_JIT_BACKEND: 'js' },
        },
      },
      {
        // And on WebAssembly with two threads and every matrix product sent through the worker
        // pool: both lowerings must equal eager execution, whatever the thread count.
        extends: true,
        test: {
          name: 'wasm-threads',
          include: JIT_SUITES,
          env: { LOOM_JIT_BACKEND: 'wasm', LOOM_THREADS: '2', LOOM_PARALLEL_MIN_FLOPS: '0' },
        },
      },
    ],
  },
});
