// CI smoke tests: each example runs with small settings and must show that it learned.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx } from '@loom/datasets';
import { describe, expect, test } from 'vitest';
import { binaryAdditionProgram } from '../src/programs/binary_addition.js';
import { charRnnProgram } from '../src/programs/char_rnn.js';
import { forwardPropagation } from '../src/programs/forward_propagation.js';
import { irnnPixelsProgram } from '../src/programs/irnn_pixels.js';
import { ExampleError } from '../src/programs/program.js';
import { sineSquareProgram } from '../src/programs/sine_square.js';
import { quietly } from './quiet.js';

const out = mkdtempSync(join(tmpdir(), 'loom-examples-'));

describe('examples', () => {
  test('forward-propagation matches the published numbers to 1e-6', async () => {
    const summary = await quietly(() => forwardPropagation.run({ seed: 0, out, jit: true }));
    expect(summary.ok).toBe(true);
    expect(summary.metrics.maxAbsDiff).toBeLessThan(1e-6);
  });

  test('binary-addition reaches 100% exact sums on 1000 fresh pairs in 10,000 steps', async () => {
    const summary = await quietly(() =>
      binaryAdditionProgram.run({ seed: 0, out, jit: true, steps: 10_000 }),
    );
    expect(summary.metrics.accuracy).toBe(1);
    expect(summary.metrics.firstPerfectWindow).toBeGreaterThan(0);
  }, 120_000);
});

describe('jit equals eager at the level of a whole training run', () => {
  test('binary-addition: the same loss trajectory with and without jit', async () => {
    const run = (jit: boolean) =>
      quietly(() => binaryAdditionProgram.run({ seed: 7, out, jit, steps: 300 }));
    const [withJit, eager] = [await run(true), await run(false)];
    expect(withJit.metrics.finalLoss).toBeCloseTo(eager.metrics.finalLoss, 5);
    expect(withJit.metrics.meanLoss).toBeCloseTo(eager.metrics.meanLoss, 5);
  }, 120_000);
});

describe('examples that need @loom/nn', () => {
  test('sine-square reaches at least 99% test accuracy within 2 epochs', async () => {
    const summary = await quietly(() =>
      sineSquareProgram.run({ seed: 0, out, jit: true, epochs: 2 }),
    );
    expect(summary.metrics.accuracy).toBeGreaterThanOrEqual(0.99);
  }, 120_000);

  test('char-rnn: loss falls by at least a fifth in 40 steps', async () => {
    const summary = await quietly(() => charRnnProgram.run({ seed: 0, out, jit: true, steps: 40 }));
    expect(summary.metrics.lastLoss).toBeLessThan(summary.metrics.firstLoss * 0.8);
  }, 120_000);

  test('irnn-pixels without data explains how to get some', async () => {
    await expect(irnnPixelsProgram.run({ seed: 0, out, jit: true })).rejects.toThrow(ExampleError);
    await expect(irnnPixelsProgram.run({ seed: 0, out, jit: true })).rejects.toThrow(
      /--data DIR[\s\S]*dataset-fashion-mnist/,
    );
  });

  test('irnn-pixels trains on MNIST-format files given by path (synthetic digits built here)', async () => {
    // Two classes: bright top half vs bright bottom half, as 28x28 u8 images in IDX files.
    const dir = mkdtempSync(join(tmpdir(), 'loom-idx-'));
    const n = 64;
    const images = new Uint8Array(n * 784);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 2;
      for (let p = 0; p < 784; p++) images[i * 784 + p] = p < 392 === (labels[i] === 0) ? 200 : 10;
    }
    for (const split of ['train', 't10k']) {
      writeFileSync(join(dir, `${split}-images-idx3-ubyte`), encodeIdx([n, 28, 28], images));
      writeFileSync(join(dir, `${split}-labels-idx1-ubyte`), encodeIdx([n], labels));
    }
    const summary = await quietly(() =>
      irnnPixelsProgram.run({ seed: 0, out, jit: true, data: dir, steps: 12, lr: 1e-3 }),
    );
    expect(summary.metrics.lastLoss).toBeLessThan(summary.metrics.firstLoss * 0.9);
  }, 180_000);
});
