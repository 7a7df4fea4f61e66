// Docs that cannot rot (issue 14, item 7): every TypeScript block of every README type-checks
// against the workspace sources and runs to completion. Failures name the README and line.
import { afterAll, describe, expect, test } from 'vitest';
import {
  extractBlocks,
  importBlock,
  label,
  type ReadmeBlock,
  readmeBlocks,
  readmePaths,
  typecheckBlocks,
  where,
  writeBlocks,
} from './readme_blocks.js';

const blocks = readmeBlocks();
writeBlocks(blocks);

/** Imports (runs) a block quietly; a throw becomes an error naming the README and line. */
async function runBlock(block: ReadmeBlock): Promise<void> {
  const log = console.log;
  console.log = () => {};
  try {
    await importBlock(block);
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    throw new Error(`${where(block)}: the block threw ${error.name}: ${error.message}`, {
      cause: e,
    });
  } finally {
    console.log = log;
  }
}

describe('the extraction itself', () => {
  test('finds ts and typescript fences with their flags and lines, skips others', () => {
    const md = [
      '# T', // 1
      '```ts', // 2
      'const a = 1;', // 3
      '```', // 4
      '```sh', // 5
      'pnpm x', // 6
      '```', // 7
      '````typescript no-run', // 8
      '```ts', // 9: inside a longer fence, not a block of its own
      '````', // 10
    ].join('\n');
    const found = extractBlocks(md, 'X.md');
    expect(found.map((b) => [b.line, b.flags, b.code])).toEqual([
      [2, [], 'const a = 1;\n'],
      [8, ['no-run'], '```ts\n'],
    ]);
    expect(where(found[0], 1)).toBe('X.md:3');
  });

  test('covers the root README and every package README', () => {
    const paths = readmePaths();
    expect(paths[0]).toBe('README.md');
    for (const p of [
      'packages/core/README.md',
      'packages/nn/README.md',
      'packages/datasets/README.md',
    ])
      expect(paths).toContain(p);
    // The READMEs known to hold TypeScript examples today; new ones only add to this.
    for (const p of ['README.md', 'packages/nn/README.md', 'packages/datasets/README.md'])
      expect(blocks.some((b) => b.readme === p)).toBe(true);
  });
});

describe('README code blocks type-check', () => {
  // A deliberately broken README, checked in the same program as the real blocks (one program:
  // the checker only visits what the blocks use), proves errors are found and located.
  const broken = extractBlocks(
    [
      'Some text.',
      '```ts',
      "import { tensor } from '@loom/core';",
      'const n: string = tensor([1]);',
      '```',
    ].join('\n'),
    'BROKEN.md',
  );
  writeBlocks(broken);

  test('no type errors in any block; a broken block is reported at its README line', () => {
    const all = typecheckBlocks([...blocks, ...broken]);
    const errors = all.filter((d) => d.block.readme !== 'BROKEN.md').map((d) => d.message);
    expect(errors, `type errors in README blocks:\n${errors.join('\n')}`).toEqual([]);
    const planted = all.filter((d) => d.block.readme === 'BROKEN.md').map((d) => d.message);
    expect(planted).toHaveLength(1);
    expect(planted[0]).toMatch(
      /^BROKEN\.md:4: TS2322: Type 'Tensor' is not assignable to type 'string'/,
    );
  }, 120_000);
});

describe('README code blocks run', () => {
  const runnable = blocks.filter((b) => !b.flags.includes('no-run'));
  afterAll(() => {
    // Fragments must stay rare: every README keeps at least one block that runs.
    const readmes = new Set(blocks.map((b) => b.readme));
    for (const r of readmes)
      expect(
        runnable.some((b) => b.readme === r),
        `${r} has no runnable block`,
      ).toBe(true);
  });
  test('a block that throws is reported with its README line', async () => {
    const [thrower] = extractBlocks('```ts\nthrow new RangeError("boom");\n```\n', 'THROWS.md');
    writeBlocks([thrower]);
    await expect(runBlock(thrower)).rejects.toThrow(
      'THROWS.md:1: the block threw RangeError: boom',
    );
  });
  test.each(runnable.map((b) => [label(b), b] as const))(
    '%s',
    (_label, block) => runBlock(block),
    120_000,
  );
});
