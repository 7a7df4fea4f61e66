// SPDX-License-Identifier: MIT
// Shared by the bundle and CSP tests: builds the published packages (`tsc -b`, incremental) so
// bundles are made from the `dist` files and package.json `exports` that users install, and
// bundles the fixture program with esbuild or Vite at their default settings.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const webRoot = fileURLToPath(new URL('../', import.meta.url));
export const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Builds core, datasets and nn into their `dist` (a no-op when they are up to date). */
export function buildPackages(): void {
  execFileSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules/typescript/bin/tsc'),
      '-b',
      'packages/core',
      'packages/datasets',
      'packages/nn',
    ],
    { cwd: repoRoot, stdio: 'pipe' },
  );
}

export function freshDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `loom-${prefix}-`));
}

/**
 * Bundles `entry` (a file, or source text resolved from packages/web) with esbuild's defaults plus what a bundle needs (`bundle`, `format`,
 * `platform`); `strictSideEffects` marks every file of the @loom packages side-effect free, the
 * harshest reading of `"sideEffects": false`, whatever the package.json files say.
 */
export async function esbuildBundle(
  entry: string | { readonly contents: string },
  outfile: string,
  options: { platform: 'node' | 'browser'; minify?: boolean; strictSideEffects?: boolean },
): Promise<void> {
  const plugins: esbuild.Plugin[] = [];
  if (options.strictSideEffects) {
    plugins.push({
      name: 'loom-side-effect-free',
      setup(build) {
        build.onResolve({ filter: /.*/ }, async (args) => {
          if (args.pluginData === 'inner') return undefined;
          const result = await build.resolve(args.path, {
            kind: args.kind,
            importer: args.importer,
            resolveDir: args.resolveDir,
            pluginData: 'inner',
          });
          const loom = /packages\/(core|nn|datasets)\/dist\//.test(result.path);
          return loom ? { ...result, sideEffects: false } : result;
        });
      },
    });
  }
  await esbuild.build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: webRoot, loader: 'ts' } }),
    outfile,
    bundle: true,
    format: 'esm',
    platform: options.platform,
    minify: options.minify ?? false,
    absWorkingDir: webRoot,
    logLevel: 'silent',
    plugins,
  });
}

/** Bundles `entry` with Vite's build API (a library build, Vite's defaults otherwise). */
export async function viteBundle(entry: string, outDir: string): Promise<string> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: webRoot,
    logLevel: 'silent',
    build: {
      outDir,
      emptyOutDir: true,
      lib: { entry, formats: ['es'], fileName: 'bundle' },
    },
  });
  return join(outDir, 'bundle.js');
}
