// CI smoke tests: each example runs with small settings and must show that it learned.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseArgs } from '../src/args.js';
import { binaryAdditionProgram } from '../src/programs/binary_addition.js';
import { forwardPropagation } from '../src/programs/forward_propagation.js';

const out = mkdtempSync(join(tmpdir(), 'loom-examples-'));
const quiet =
  <T>(f: () => Promise<T>) =>
  async () => {
    const log = console.log;
    console.log = () => {};
    try {
      return await f();
    } finally {
      console.log = log;
    }
  };

describe('examples', () => {
  test('forward-propagation matches the published numbers to 1e-6', async () => {
    const summary = await quiet(() => forwardPropagation.run({ seed: 0, out, jit: false }))();
    expect(summary.ok).toBe(true);
    expect(summary.metrics.maxAbsDiff).toBeLessThan(1e-6);
  });

  test('binary-addition reaches 100% exact sums on 1000 fresh pairs in 10,000 steps', async () => {
    const summary = await quiet(() =>
      binaryAdditionProgram.run({ seed: 0, out, jit: false, steps: 10_000 }),
    )();
    expect(summary.metrics.accuracy).toBe(1);
    expect(summary.metrics.firstPerfectWindow).toBeGreaterThan(0);
  }, 120_000);
});

describe('command line', () => {
  const names = ['binary-addition', 'forward-propagation'];
  test('parses flags', () => {
    const r = parseArgs(
      ['binary-addition', '--steps', '50', '--seed', '3', '--no-jit', '--out', 'x'],
      names,
    );
    expect(r).toEqual({
      _tag: 'Right',
      right: {
        kind: 'run',
        example: 'binary-addition',
        options: { seed: 3, out: 'x', jit: false, steps: 50 },
      },
    });
  });
  test.each([
    [['nope'], /unknown example "nope"; choose one of: binary-addition, forward-propagation/],
    [['binary-addition', '--steps', '0'], /--steps needs an integer ≥ 1, got "0"/],
    [['binary-addition', '--steps'], /--steps needs an integer ≥ 1, got nothing/],
    [['binary-addition', '--cell', 'tcn'], /--cell must be rnn, lstm or gru, got "tcn"/],
    [['binary-addition', '--fast'], /unknown flag "--fast"/],
    [['binary-addition', '--out'], /--out needs a value/],
  ])('rejects %j', (argv, message) => {
    const r = parseArgs(argv, names);
    expect(r._tag).toBe('Left');
    if (r._tag === 'Left') expect(r.left.message).toMatch(message);
  });
});
