import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import {
  type AdditionPair,
  type BinaryAdditionOptions,
  binaryAddition,
  fromBits,
  toBits,
} from './binary_addition.js';
import { DatasetError } from './errors.js';

function take<T>(it: Iterator<T>, n: number): T[] {
  return Array.from({ length: n }, () => it.next().value as T);
}

/** Reads a [B, T, 2] / [B, T, 1] pair of tensors back into integers, checking every bit. */
function decodeBatch(inputs: Float32Array, targets: Float32Array, B: number, T: number) {
  const out: AdditionPair[] = [];
  for (let i = 0; i < B; i++) {
    let a = 0;
    let b = 0;
    let c = 0;
    for (let t = 0; t < T; t++) {
      const [x0, x1, y] = [
        inputs[(i * T + t) * 2],
        inputs[(i * T + t) * 2 + 1],
        targets[i * T + t],
      ];
      for (const bit of [x0, x1, y]) expect(bit === 0 || bit === 1).toBe(true);
      a += x0 * 2 ** t;
      b += x1 * 2 ** t;
      c += y * 2 ** t;
    }
    out.push({ a, b, c });
  }
  return out;
}

describe('binaryAddition', () => {
  test('pins the first (a, b) pairs for seed 0 (determinism across runs)', () => {
    const pairs = take(binaryAddition({ seed: 0 }).pairs(), 5);
    expect(pairs.map(({ a, b }) => [a, b])).toEqual([
      [81, 20],
      [112, 83],
      [83, 124],
      [27, 113],
      [97, 39],
    ]);
  });

  property.prop([fc.integer({ min: 1, max: 30 }), fc.integer()])(
    'the same seed gives the same stream on every call',
    (bits, seed) => {
      const task = binaryAddition({ bits, seed });
      expect(take(task.pairs(), 20)).toEqual(take(task.pairs(), 20));
      expect(take(binaryAddition({ bits, seed }).pairs(), 20)).toEqual(take(task.pairs(), 20));
    },
  );

  test('different seeds give different streams', () => {
    const a = take(binaryAddition({ seed: 0 }).pairs(), 10);
    const b = take(binaryAddition({ seed: 1 }).pairs(), 10);
    expect(a).not.toEqual(b);
  });

  property.prop([fc.integer({ min: 1, max: 30 }), fc.integer(), fc.integer({ min: 1, max: 16 })])(
    'every target is the sum of the inputs, bit by bit, LSB first',
    (bits, seed, batchSize) => {
      const task = binaryAddition({ bits, seed });
      const batch = task.batches(batchSize).next().value;
      expect(batch.inputs.shape).toEqual([batchSize, bits, 2]);
      expect(batch.targets.shape).toEqual([batchSize, bits, 1]);
      expect(batch.inputs.dtype).toBe('float32');
      const decoded = decodeBatch(
        batch.inputs.data() as Float32Array,
        batch.targets.data() as Float32Array,
        batchSize,
        bits,
      );
      decoded.forEach(({ a, b, c }, i) => {
        expect(c).toBe(a + b);
        expect(a).toBeLessThan(2 ** (bits - 1));
        expect(b).toBeLessThan(2 ** (bits - 1));
        expect({ a, b, c }).toEqual(batch.pairs[i]);
      });
    },
  );

  test('examples are [T, 2] / [T, 1] and follow the pair stream', () => {
    const task = binaryAddition({ bits: 6, seed: 9 });
    const examples = take(task.examples(), 8);
    const pairs = take(task.pairs(), 8);
    examples.forEach((ex, i) => {
      expect(ex.inputs.shape).toEqual([6, 2]);
      expect(ex.targets.shape).toEqual([6, 1]);
      const [back] = decodeBatch(
        ex.inputs.data() as Float32Array,
        ex.targets.data() as Float32Array,
        1,
        6,
      );
      expect(back).toEqual(pairs[i]);
      expect({ a: ex.a, b: ex.b, c: ex.c }).toEqual(pairs[i]);
    });
  });

  test('batches cut the same stream into consecutive chunks', () => {
    const task = binaryAddition({ bits: 8, seed: 3 });
    const batches = take(task.batches(4), 3);
    expect(batches.flatMap((b) => b.pairs)).toEqual(take(task.pairs(), 12));
  });

  test('the first input step holds the least significant bits', () => {
    const task = binaryAddition({ bits: 8, seed: 0 });
    const ex = task.examples().next().value; // 81 + 20 = 101
    const x = ex.inputs.toArray() as number[][];
    expect(x[0]).toEqual([81 % 2, 20 % 2]);
    expect((ex.targets.toArray() as number[][]).map((r) => r[0])).toEqual(toBits(101, 8));
  });

  test('splits have the requested sizes, are deterministic and share no (a, b) pair', () => {
    const task = binaryAddition({ bits: 5, seed: 11 }); // only 16 · 16 = 256 distinct pairs
    const { train, test: testSet } = task.splits({ train: 200, test: 56 });
    expect(train.inputs.shape).toEqual([200, 5, 2]);
    expect(testSet.targets.shape).toEqual([56, 5, 1]);
    const key = (p: AdditionPair) => `${p.a}+${p.b}`;
    const trainKeys = new Set(train.pairs.map(key));
    expect(trainKeys.size).toBe(200);
    expect(testSet.pairs.some((p) => trainKeys.has(key(p)))).toBe(false);
    expect(new Set(testSet.pairs.map(key)).size).toBe(56);
    expect(task.splits({ train: 200, test: 56 }).train.pairs).toEqual(train.pairs);
  });

  test('bits = 1 gives the single problem 0 + 0', () => {
    const ex = binaryAddition({ bits: 1, seed: 5 }).examples().next().value;
    expect([ex.a, ex.b, ex.c]).toEqual([0, 0, 0]);
    expect(ex.inputs.shape).toEqual([1, 2]);
  });
});

describe('toBits / fromBits', () => {
  test('toBits is least significant bit first', () => {
    expect(toBits(6, 4)).toEqual([0, 1, 1, 0]);
    expect(toBits(1, 3)).toEqual([1, 0, 0]);
    expect(fromBits([0, 1, 1, 0])).toBe(6);
  });

  property.prop([
    fc.integer({ min: 1, max: 53 }).chain((bits) =>
      fc.tuple(
        fc.constant(bits),
        fc.maxSafeNat().map((n) => n % 2 ** bits),
      ),
    ),
  ])('fromBits(toBits(n, bits)) == n', ([bits, n]) => {
    const encoded = toBits(n, bits);
    expect(encoded).toHaveLength(bits);
    expect(fromBits(encoded)).toBe(n);
  });
});

describe('binaryAddition validation', () => {
  test.each([
    [{ bits: 0, seed: 0 }, /binaryAddition: bits must be an integer from 1 to 30; got 0\./],
    [{ bits: 31, seed: 0 }, /binaryAddition: bits must be an integer from 1 to 30; got 31\./],
    [{ bits: 2.5, seed: 0 }, /bits must be an integer from 1 to 30; got 2\.5/],
    [{ bits: Number.NaN, seed: 0 }, /bits must be an integer from 1 to 30; got NaN/],
    [{ bits: 8 }, /binaryAddition: seed must be a safe integer \(it is required\); got undefined/],
    [{ seed: 0.5 }, /binaryAddition: seed must be a safe integer.*got 0\.5/],
  ])('rejects %o', (options, message) => {
    // Deliberately bad input, as untyped JS could pass it.
    const call = () => binaryAddition(options as BinaryAdditionOptions);
    expect(call).toThrow(DatasetError);
    expect(call).toThrow(message);
  });

  test('rejects bad batch sizes and oversized splits', () => {
    const task = binaryAddition({ bits: 3, seed: 0 });
    expect(() => task.batches(0)).toThrow(DatasetError);
    expect(() => task.batches(0)).toThrow(
      /binaryAddition\.batches: batchSize must be an integer from 1 to 16777216; got 0\./,
    );
    expect(() => task.splits({ train: 10, test: 7 })).toThrow(
      /binaryAddition\.splits: train \+ test must be at most 16, the number of distinct \(a, b\) pairs with bits = 3; got 10 \+ 7 = 17/,
    );
    expect(() => task.splits({ train: -1, test: 2 })).toThrow(
      /binaryAddition\.splits: train must be an integer from 0 to \d+; got -1/,
    );
  });

  test('rejects numbers that do not fit toBits/fromBits', () => {
    expect(() => toBits(16, 4)).toThrow(DatasetError);
    expect(() => toBits(16, 4)).toThrow(/toBits: n must be an integer from 0 to 15 .*; got 16\./);
    expect(() => toBits(-1, 4)).toThrow(/toBits: n must be .*got -1/);
    expect(() => toBits(1, 54)).toThrow(/toBits: bits must be an integer from 1 to 53; got 54/);
    expect(() => fromBits([1, 2])).toThrow(/fromBits: bits\[1\] must be 0 or 1; got 2\./);
    expect(() => fromBits(new Array(54).fill(0))).toThrow(
      /fromBits: bits\.length must be at most 53; got 54/,
    );
  });
});
