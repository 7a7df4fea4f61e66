// SPDX-License-Identifier: MIT
// `pnpm web` serves the page, `pnpm web:build` writes static files to packages/web/dist.
// The Loom packages are read from their TypeScript sources (no build step needed), and both the
// dev server and the preview send the cross-origin isolation headers wasm threads need.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const source = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** COOP + COEP: the page is cross-origin isolated, so SharedArrayBuffer (threads) is allowed. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the built folder works wherever it is served from.
  base: './',
  resolve: {
    alias: [
      { find: /^@loom\/core$/, replacement: source('core/src/index.ts') },
      { find: /^@loom\/nn$/, replacement: source('nn/src/index.ts') },
      { find: /^@loom\/datasets$/, replacement: source('datasets/src/index.ts') },
    ],
  },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4096 },
});
