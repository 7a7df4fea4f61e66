// Issue 14, bundler safety: a program over @loom/core, nn and datasets, bundled from the built
// packages with esbuild and with Vite at their default settings, runs and computes the right
// numbers (the same as unbundled, and as computed by hand). Also prints the min+gzip size of
// core+nn.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPackages, esbuildBundle, fixtures, freshDir, viteBundle } from './bundling.js';
import { expectCorrectNumbers } from './expected.js';
import { type ProgramResults, runProgram } from './fixtures/program.js';

const entry = join(fixtures, 'node_entry.ts');

function runBundle(file: string): ProgramResults {
  const stdout = execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ProgramResults;
}

let unbundled: ProgramResults;

beforeAll(() => {
  buildPackages();
  unbundled = runProgram();
}, 600_000);

describe('bundles of core + nn + datasets', () => {
  it('the unbundled program (TypeScript sources) computes the hand-derived values', () => {
    expectCorrectNumbers(unbundled);
  });

  it('esbuild (bundle, esm, node; defaults otherwise): runs, same numbers', async () => {
    const out = join(freshDir('esbuild'), 'bundle.mjs');
    await esbuildBundle(entry, out, { platform: 'node' });
    const bundled = runBundle(out);
    expectCorrectNumbers(bundled);
    expect(bundled).toEqual(unbundled);
  });

  it('esbuild with every @loom file marked side-effect free: methods survive', async () => {
    const out = join(freshDir('esbuild-strict'), 'bundle.mjs');
    await esbuildBundle(entry, out, { platform: 'node', strictSideEffects: true, minify: true });
    const bundled = runBundle(out);
    expectCorrectNumbers(bundled);
    expect(bundled).toEqual(unbundled);
  });

  it('Vite build API (library build, defaults): runs, same numbers', async () => {
    const out = await viteBundle(entry, freshDir('vite'));
    const bundled = runBundle(out);
    expectCorrectNumbers(bundled);
    expect(bundled).toEqual(unbundled);
  });

  it('measures the minified + gzipped size of core + nn', async () => {
    const dir = freshDir('size');
    let k = 0;
    const sizes: Record<string, { minified: number; gzipped: number }> = {};
    const programs = {
      // A training step as a user writes it: tree-shaken to what it uses.
      'core+nn program': [
        "import { grad, jit, random, tensor } from '@loom/core';",
        "import { adam, applyUpdates, linear } from '@loom/nn';",
        'const p = linear.init(random.key(0), { inFeatures: 4, outFeatures: 1 });',
        'const x = tensor([[1, 2, 3, 4]]);',
        'const opt = adam(0.01);',
        'const step = jit((p, s) => { const g = grad((q) => linear.apply(q, x).square().mean())(p);',
        '  const [u, s2] = opt.update(g, s, p); return [applyUpdates(p, u), s2]; });',
        'console.log(step(p, opt.init(p))[0].w.toArray());',
      ].join('\n'),
      // Everything both packages export.
      'all of core+nn': "export * from '@loom/core';\nexport * from '@loom/nn';",
    };
    for (const [name, source] of Object.entries(programs)) {
      const out = join(dir, `size${k++}.min.js`);
      await esbuildBundle({ contents: source }, out, { platform: 'browser', minify: true });
      const code = readFileSync(out);
      sizes[name] = { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
    }
    console.log(
      Object.entries(sizes)
        .map(
          ([name, s]) =>
            `${name}: ${(s.minified / 1024).toFixed(1)} KiB minified, ${(s.gzipped / 1024).toFixed(1)} KiB gzipped (esbuild --minify, gzip -9)`,
        )
        .join('\n'),
    );
    expect(sizes['core+nn program'].gzipped).toBeLessThan(sizes['all of core+nn'].gzipped);
    expect(sizes['core+nn program'].gzipped).toBeGreaterThan(10_000);
  });
});
