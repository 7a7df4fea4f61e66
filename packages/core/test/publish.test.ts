// SPDX-License-Identifier: MIT
// The published packages as a user gets them: core, nn and datasets are packed with `pnpm pack`
// (which rewrites `workspace:^` to a real range), installed with npm into a fresh project, and
// used from a strict TypeScript program (module `nodenext`) and from CommonJS through `require()`
// (Node 20.19+ loads ES modules synchronously when their graph has no top-level await).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const PACKAGES = ['core', 'nn', 'datasets'] as const;
const MINUTES = 60_000;

interface PackedPackage {
  /** The folder the tarball was extracted into (it holds `package/`). */
  readonly unpacked: string;
  readonly tarball: string;
  readonly entries: readonly string[];
  readonly manifest: {
    readonly name: string;
    readonly version: string;
    readonly license?: string;
    readonly engines?: Record<string, string>;
    readonly repository?: {
      readonly type: string;
      readonly url: string;
      readonly directory: string;
    };
    readonly dependencies?: Record<string, string>;
  };
}

async function sh(cmd: string, args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, maxBuffer: 64 << 20 });
    return stdout;
  } catch (e) {
    const { stdout = '', stderr = '' } = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

async function pack(name: string, into: string): Promise<PackedPackage> {
  const out = await sh(
    'pnpm',
    ['pack', '--json', '--pack-destination', into],
    join(ROOT, 'packages', name),
  );
  // The report is the JSON object after the prepack script's log lines.
  const report = JSON.parse(out.slice(out.search(/^\{/m))) as { filename: string };
  const tarball = resolve(into, report.filename);
  const entries = (await sh('tar', ['-tzf', tarball], into)).split('\n').filter(Boolean);
  const unpacked = join(into, name);
  await mkdir(unpacked);
  await sh('tar', ['-xzf', tarball, '-C', unpacked], into);
  const manifest = JSON.parse(await readFile(join(unpacked, 'package/package.json'), 'utf8'));
  return { unpacked, tarball, entries, manifest };
}

// The consumer's program, type-checked with every strict flag and no skipLibCheck, so the
// shipped declarations themselves are checked. It prints what the test compares.
const ESM_PROGRAM = `
import { grad, jit, random, sum, tensor, type Tensor } from '@loom/core';
import { binaryAddition } from '@loom/datasets';
import { loadTextFile } from '@loom/datasets/node';
import { linear, type LinearParams } from '@loom/nn';
import { loadCheckpointFile, saveCheckpointFile } from '@loom/nn/node';

const cube = (x: Tensor): Tensor => sum(x.mul(x).mul(x));
const x = tensor([1, -2, 0.5]);
const params: LinearParams = linear.init(random.key(0), { inFeatures: 3, outFeatures: 2 });
const file = process.argv[2] ?? 'params.safetensors';
await saveCheckpointFile(file, params);
const loaded = await loadCheckpointFile(file, params);
const batch = binaryAddition({ bits: 8, seed: 1 }).batches(4).next().value;
console.log(JSON.stringify({
  grad: Array.from(grad(cube)(x).data()),
  jitValue: jit(cube)(x).item(),
  w: params.w.toArray(),
  b: params.b?.toArray(),
  y: linear.apply(loaded, tensor([[1, 1, 1]])).toArray(),
  pairs: batch.pairs,
  targets: batch.targets.toArray(),
  text: await loadTextFile(process.argv[3] ?? 'corpus.txt'),
}));
`;

const CJS_PROGRAM = `
import core = require('@loom/core');
import datasets = require('@loom/datasets');
import nn = require('@loom/nn');
import nnNode = require('@loom/nn/node');

const x = core.tensor([1, -2, 0.5]);
const cube = (t: core.Tensor): core.Tensor => core.sum(t.mul(t).mul(t));
console.log(JSON.stringify({
  grad: Array.from(core.grad(cube)(x).data()),
  bits: datasets.toBits(6, 4),
  layer: typeof nn.linear.apply,
  save: typeof nnNode.saveCheckpointFile,
}));
`;

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: ['node'],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    outDir: 'out',
  },
  files: ['main.mts', 'main.cts'],
};

describe('the packed packages', () => {
  let work = '';
  const packed = new Map<string, PackedPackage>();

  beforeAll(async () => {
    // Each package's `prepack` script removes outputs of deleted sources and runs `tsc -b`, so
    // the tarballs hold exactly what the current sources compile to (dist fresh, nothing stale).
    work = await mkdtemp(join(tmpdir(), 'loom-publish-'));
    await mkdir(join(work, 'tarballs'));
    for (const name of PACKAGES) packed.set(name, await pack(name, join(work, 'tarballs')));
  }, 5 * MINUTES);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.each(PACKAGES)('%s ships its license, metadata and real version ranges', (name) => {
    const p = packed.get(name)!;
    expect(p.entries).toContain('package/LICENSE');
    expect(p.entries).toContain('package/README.md');
    expect(p.entries).toContain('package/dist/index.d.ts');
    expect(p.manifest.license).toBe('MIT');
    expect(p.manifest.engines?.node).toBe('>=20.19');
    expect(p.manifest.repository).toEqual({
      type: 'git',
      url: 'git+https://github.com/loom-ml/loom.git',
      directory: `packages/${name}`,
    });
    for (const [dep, range] of Object.entries(p.manifest.dependencies ?? {})) {
      expect(range, `${name} → ${dep}`).not.toMatch(/^workspace:/);
      if (dep.startsWith('@loom/')) expect(range).toBe(`^${packed.get('core')!.manifest.version}`);
    }
    expect(p.entries.filter((e) => /\.test\.|\.tsbuildinfo$/.test(e))).toEqual([]);
  });

  it.each(PACKAGES)('%s ships the source of every source map it references', async (name) => {
    const p = packed.get(name)!;
    const shipped = new Set(p.entries);
    const code = p.entries.filter((e) => /\.(js|d\.ts)$/.test(e));
    expect(code.length).toBeGreaterThan(0);
    const broken: string[] = [];
    for (const file of code) {
      const text = await readFile(join(p.unpacked, file), 'utf8');
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      if (file.endsWith('.js') && url === undefined) broken.push(`${file}: no source map`);
      if (url === undefined) continue;
      const map = posix.join(posix.dirname(file), url);
      if (!shipped.has(map)) {
        broken.push(`${file} → ${map}: map not shipped`);
        continue;
      }
      const { sources, sourcesContent } = JSON.parse(await readFile(join(p.unpacked, map), 'utf8'));
      (sources as string[]).forEach((source, i) => {
        const target = posix.normalize(posix.join(posix.dirname(map), source));
        const inline = typeof sourcesContent?.[i] === 'string' && sourcesContent[i].length > 0;
        if (!inline && !shipped.has(target)) broken.push(`${map} → ${target}: source missing`);
      });
    }
    expect(broken).toEqual([]);
  });

  it(
    'installs with npm, type-checks a strict nodenext program and runs it as ESM and CommonJS',
    async () => {
      const app = join(work, 'app');
      await mkdir(app);
      const rootManifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
      await writeFile(
        join(app, 'package.json'),
        JSON.stringify({ name: 'loom-consumer', private: true, type: 'commonjs' }),
      );
      await sh(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          ...PACKAGES.map((name) => packed.get(name)!.tarball),
          `typescript@${rootManifest.devDependencies.typescript}`,
          `@types/node@${rootManifest.devDependencies['@types/node']}`,
        ],
        app,
      );
      await writeFile(join(app, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG));
      await writeFile(join(app, 'main.mts'), ESM_PROGRAM);
      await writeFile(join(app, 'main.cts'), CJS_PROGRAM);
      await writeFile(join(app, 'corpus.txt'), 'the quick brown fox');
      await sh(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', '.'], app);

      const x = [1, -2, 0.5];
      const dCube = x.map((v) => 3 * v * v); // d/dx Σ x³ = 3x²

      const esm = JSON.parse(
        await sh(process.execPath, ['out/main.mjs', 'params.safetensors', 'corpus.txt'], app),
      );
      expect(esm.grad).toEqual(dCube);
      expect(esm.jitValue).toBeCloseTo(
        x.reduce((s, v) => s + v ** 3, 0),
        6,
      );
      // y = [1, 1, 1] · w + b, from the saved-and-reloaded parameters.
      const w = esm.w as number[][];
      const expected = [0, 1].map((j) => w[0][j] + w[1][j] + w[2][j] + esm.b[j]);
      expect(esm.y[0][0]).toBeCloseTo(expected[0], 5);
      expect(esm.y[0][1]).toBeCloseTo(expected[1], 5);
      const pairs = esm.pairs as { a: number; b: number; c: number }[];
      expect(pairs).toHaveLength(4);
      pairs.forEach(({ a, b, c }, i) => {
        expect(a + b).toBe(c);
        const bits = Array.from({ length: 8 }, (_, t) => [(c >> t) & 1]); // LSB first
        expect(esm.targets[i]).toEqual(bits);
      });
      expect(esm.text).toBe('the quick brown fox');

      const cjs = JSON.parse(await sh(process.execPath, ['out/main.cjs'], app));
      expect(cjs).toEqual({ grad: dCube, bits: [0, 1, 1, 0], layer: 'function', save: 'function' });
    },
    5 * MINUTES,
  );
});
