// The README's training example, run for real and checked to learn. The code is taken from
// README.md itself by the shared README-block mechanism (packages/examples/test/readme_blocks.ts,
// which also type-checks and runs every other README block), so it cannot drift from working code.
import { type Tensor, tensor } from '@loom/core';
import { expect, test } from 'vitest';
import {
  importBlock,
  readmeBlocks,
  where,
  writeBlocks,
} from '../../examples/test/readme_blocks.js';

type TrainStep = (inputs: Tensor, targets: Tensor) => number;

test('the README training step lowers the loss of a counting language model', async () => {
  const blocks = readmeBlocks(['packages/nn/README.md']).filter((b) =>
    b.code.includes('export function trainStep'),
  );
  expect(blocks.map((b) => where(b))).toHaveLength(1);
  writeBlocks(blocks);
  const { trainStep } = (await importBlock(blocks[0])) as { trainStep: TrainStep };
  // Sequences counting up modulo V = 16 from several starts: the next token is always current + 1.
  const [V, T] = [16, 8];
  const starts = [0, 5, 9, 13];
  const seq = (
    offset: number, // [B, T], batch-major like nn.rnn
  ) => starts.map((s) => Array.from({ length: T }, (_, t) => (s + t + offset) % V));
  const inputs = tensor(seq(0), { dtype: 'int32' });
  const targets = tensor(seq(1), { dtype: 'int32' });
  const losses = Array.from({ length: 15 }, () => trainStep(inputs, targets));
  expect(losses[0]).toBeCloseTo(Math.log(V), 0); // near-uniform predictions at first
  expect(losses[14]).toBeLessThan(losses[0] * 0.6);
  for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1] + 1e-6);
});
