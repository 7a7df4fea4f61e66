import { fc, test as property } from '@fast-check/vitest';
import { tensor } from '@loom/core';
import { describe, expect, test } from 'vitest';
import { type BatchOptions, batches } from './batches.js';
import { DatasetError } from './errors.js';

/** Row i of x is [i, 10 i] and y[i] = i, so every batch shows which examples it holds. */
function dataset(n: number) {
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) x.set([i, 10 * i], 2 * i);
  return {
    x: tensor(x, { shape: [n, 2] }),
    y: tensor(Int32Array.from({ length: n }, (_, i) => i)),
  };
}

const rowsOf = (batch: { y: { data(): ArrayLike<number> } }) => Array.from(batch.y.data());

describe('batches', () => {
  test('without shuffling, an epoch is the examples in order, last batch smaller', () => {
    const b = batches(dataset(10), { batchSize: 4 });
    expect(b.batchesPerEpoch).toBe(3);
    const epoch = [...b.epoch(0)];
    expect(epoch.map(rowsOf)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(epoch[2].x.shape).toEqual([2, 2]);
    expect(epoch[2].x.toArray()).toEqual([
      [8, 80],
      [9, 90],
    ]);
    expect(epoch[0].y.dtype).toBe('int32');
    expect([...b.epoch(5)].map(rowsOf)).toEqual(epoch.map(rowsOf));
  });

  test('dropRemainder drops the short batch', () => {
    const b = batches(dataset(10), { batchSize: 4, dropRemainder: true });
    expect(b.batchesPerEpoch).toBe(2);
    expect([...b.epoch(0)].map(rowsOf)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  property.prop([
    fc.integer({ min: 1, max: 40 }),
    fc.integer({ min: 1, max: 12 }),
    fc.integer(),
    fc.integer({ min: 0, max: 1000 }),
  ])(
    'a shuffled epoch visits every example once, rows aligned across tensors',
    (n, batchSize, seed, e) => {
      const b = batches(dataset(n), { batchSize, shuffle: true, seed });
      const seen: number[] = [];
      for (const batch of b.epoch(e)) {
        expect(batch.x.shape[0]).toBe(batch.y.shape[0]);
        expect(batch.x.shape[0]).toBeLessThanOrEqual(batchSize);
        const x = batch.x.toArray() as number[][];
        expect(x).toEqual(rowsOf(batch).map((i) => [i, 10 * i]));
        seen.push(...rowsOf(batch));
      }
      expect(seen).toEqual(Array.from(b.order(e)));
      expect([...seen].sort((p, q) => p - q)).toEqual(Array.from({ length: n }, (_, i) => i));
    },
  );

  test('pins the shuffled orders for seed 0 (determinism across runs)', () => {
    const b = batches(dataset(8), { batchSize: 8, shuffle: true, seed: 0 });
    expect(Array.from(b.order(0))).toEqual([6, 2, 4, 1, 5, 3, 0, 7]);
    expect(Array.from(b.order(1))).toEqual([6, 2, 0, 1, 3, 4, 5, 7]);
  });

  test('each epoch is a pure function of (seed, epoch)', () => {
    const options: BatchOptions = { batchSize: 8, shuffle: true, seed: 7 };
    const b = batches(dataset(50), options);
    const epoch3 = [...b.epoch(3)].map(rowsOf);
    for (const _ of b.epoch(0)) {
      // Iterating other epochs first must not change epoch 3.
    }
    expect([...b.epoch(3)].map(rowsOf)).toEqual(epoch3);
    expect([...batches(dataset(50), options).epoch(3)].map(rowsOf)).toEqual(epoch3);
    expect(Array.from(b.order(4))).not.toEqual(Array.from(b.order(3)));
    const other = batches(dataset(50), { ...options, seed: 8 });
    expect(Array.from(other.order(3))).not.toEqual(Array.from(b.order(3)));
  });

  test('epochs(count) yields every batch of epochs 0..count−1 in order', () => {
    const b = batches(dataset(5), { batchSize: 2, shuffle: true, seed: 1 });
    const steps = [...b.epochs(3)];
    expect(steps).toHaveLength(9);
    expect(steps.map((s) => [s.epoch, s.index])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 0],
      [2, 1],
      [2, 2],
    ]);
    expect(steps.slice(3, 6).flatMap((s) => rowsOf(s.batch))).toEqual(Array.from(b.order(1)));
    const endless = b.epochs();
    for (let i = 0; i < 20; i++) endless.next();
    expect(endless.next().value?.epoch).toBe(6);
  });

  test('keeps every dtype and trailing shape', () => {
    const data = {
      f64: tensor(new Float64Array([0.1, 0.2, 0.3]), { shape: [3, 1, 1] }),
      mask: tensor([true, false, true]),
    };
    const [first, second] = [...batches(data, { batchSize: 2 }).epoch(0)];
    expect(first.f64.dtype).toBe('float64');
    expect(first.f64.shape).toEqual([2, 1, 1]);
    expect(Array.from(first.f64.data())).toEqual([0.1, 0.2]);
    expect(second.mask.dtype).toBe('bool');
    expect(second.mask.toArray()).toEqual([true]);
  });
});

describe('batches validation', () => {
  const data = dataset(6);
  test.each<[Partial<BatchOptions>, RegExp]>([
    [{ batchSize: 0 }, /batches: batchSize must be an integer from 1 to \d+; got 0\./],
    [{ batchSize: 1.5 }, /batches: batchSize must be an integer from 1 to \d+; got 1\.5\./],
    [{}, /batches: batchSize must be an integer .*; got undefined\./],
    [
      { batchSize: 2, shuffle: true },
      /batches: seed must be a safe integer \(it is required\); got undefined\./,
    ],
    [
      { batchSize: 2, shuffle: 'yes' as never },
      /batches: shuffle must be true or false; got "yes"\./,
    ],
    [
      { batchSize: 7, dropRemainder: true },
      /batches: batchSize 7 with dropRemainder = true leaves no batch for 6 examples/,
    ],
  ])('rejects options %o', (options, message) => {
    const call = () => batches(data, options as BatchOptions);
    expect(call).toThrow(DatasetError);
    expect(call).toThrow(message);
  });

  test('rejects data that is not a record of tensors sharing N', () => {
    expect(() => batches({ x: tensor([1, 2, 3]), y: tensor([1, 2]) }, { batchSize: 1 })).toThrow(
      /batches: every tensor in data must have the same leading dimension N; data\.x has shape \[3, …\] but data\.y has shape \[2\]\./,
    );
    expect(() => batches({}, { batchSize: 1 })).toThrow(
      /batches: data must be a record with at least one tensor/,
    );
    expect(() => batches({ s: tensor(3) }, { batchSize: 1 })).toThrow(
      /batches: data\.s must be a tensor of rank ≥ 1 \(examples on axis 0\); got "a scalar"\./,
    );
    expect(() => batches({ x: [1, 2] } as never, { batchSize: 1 })).toThrow(
      /batches: data\.x must be a Tensor; got an array of length 2\./,
    );
    expect(() => batches({ x: tensor(new Float32Array(0)) }, { batchSize: 1 })).toThrow(
      /batches: data has N = 0 examples/,
    );
  });

  test('rejects a bad epoch at the call', () => {
    const b = batches(data, { batchSize: 2 });
    expect(() => b.epoch(-1)).toThrow(DatasetError);
    expect(() => b.epoch(-1)).toThrow(/batches: epoch must be an integer from 0 to \d+; got -1\./);
    expect(() => b.epochs(1.5)).toThrow(/batches: count must be an integer/);
  });
});
