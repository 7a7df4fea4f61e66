import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { DatasetError } from './errors.js';
import { type SineSquareOptions, sineSquare, sineSquareBase } from './sine_square.js';

const ints = (t: { data(): ArrayLike<number> }) => Array.from(t.data());

describe('sineSquare', () => {
  // Default sizes, built once: 2000 examples of [96, 16].
  const full = sineSquare({ seed: 0 });

  test('has the documented shapes and dtypes', () => {
    const { train, test: testSet } = full;
    expect(train.x.shape).toEqual([1400, 96, 16]);
    expect(train.x.dtype).toBe('float32');
    expect(train.y.shape).toEqual([1400]);
    expect(train.y.dtype).toBe('int32');
    expect(train.yOneHot.shape).toEqual([1400, 2]);
    expect(testSet.x.shape).toEqual([600, 96, 16]);
    expect(testSet.ids.dtype).toBe('int32');
  });

  test('pins the shuffled order for seed 0 (determinism across runs)', () => {
    const small = sineSquare({ seed: 0, perClass: 10, seqLen: 8, dim: 2 });
    expect(ints(small.train.ids).slice(0, 6)).toEqual([16, 18, 11, 6, 1, 5]);
    expect(ints(small.train.y).slice(0, 6)).toEqual([1, 1, 1, 0, 0, 0]);
  });

  test('the same seed gives identical data; another seed differs', () => {
    const opts: SineSquareOptions = { seed: 42, perClass: 20, seqLen: 12, dim: 3 };
    const a = sineSquare(opts);
    const b = sineSquare(opts);
    expect(a.train.x.data()).toEqual(b.train.x.data());
    expect(ints(a.test.ids)).toEqual(ints(b.test.ids));
    const c = sineSquare({ ...opts, seed: 43 });
    expect(c.train.x.data()).not.toEqual(a.train.x.data());
    expect(ints(c.train.ids)).not.toEqual(ints(a.train.ids));
  });

  test.each([1.0, 0.3])('per-channel noise has mean ≈ 0 and std ≈ %f', (noise) => {
    const { train, test: testSet, config } = noise === 1.0 ? full : sineSquare({ seed: 5, noise });
    const { sine, square } = sineSquareBase(config.seqLen);
    const T = config.seqLen;
    const F = config.dim;
    const sum = new Float64Array(F);
    const sumSq = new Float64Array(F);
    let count = 0;
    for (const split of [train, testSet]) {
      const x = split.x.data();
      const y = split.y.data();
      for (let i = 0; i < y.length; i++) {
        const base = y[i] === 0 ? sine : square;
        for (let t = 0; t < T; t++) {
          for (let f = 0; f < F; f++) {
            const r = x[(i * T + t) * F + f] - base[t];
            sum[f] += r;
            sumSq[f] += r * r;
          }
        }
      }
      count += y.length * T;
    }
    // 192 000 samples per channel: the standard error of the mean is noise / 438.
    for (let f = 0; f < F; f++) {
      const mean = sum[f] / count;
      const std = Math.sqrt(sumSq[f] / count - mean * mean);
      expect(Math.abs(mean)).toBeLessThan(0.015 * noise);
      expect(Math.abs(std - noise) / noise).toBeLessThan(0.015);
    }
  });

  test('noise = 0 gives exactly the base signals', () => {
    const { train, config } = sineSquare({ seed: 1, noise: 0, perClass: 3, seqLen: 20, dim: 2 });
    const { t, sine, square } = sineSquareBase(config.seqLen);
    expect(t[1]).toBeCloseTo(10 / 20);
    expect(Array.from(square.slice(0, 7))).toEqual([1, 1, 1, 1, 1, 1, 1]); // t < π
    expect(square[7]).toBe(-1); // t = 3.5 > π
    const x = train.x.toArray() as number[][][];
    const y = ints(train.y);
    x.forEach((example, i) => {
      example.forEach((row, step) => {
        const expected = y[i] === 0 ? sine[step] : square[step];
        for (const v of row) expect(v).toBeCloseTo(expected, 6);
      });
    });
  });

  test('classes are balanced and one-hot matches the labels', () => {
    const labels = [...ints(full.train.y), ...ints(full.test.y)];
    expect(labels.filter((l) => l === 0)).toHaveLength(1000);
    expect(labels.filter((l) => l === 1)).toHaveLength(1000);
    const oneHot = full.train.yOneHot.toArray() as number[][];
    ints(full.train.y).forEach((label, i) => {
      expect(oneHot[i]).toEqual(label === 0 ? [1, 0] : [0, 1]);
    });
    // Shuffled: the training set mixes both classes from the start.
    const head = ints(full.train.y).slice(0, 50);
    expect(head).toContain(0);
    expect(head).toContain(1);
  });

  property.prop([
    fc.integer({ min: 1, max: 60 }),
    fc.double({ min: 0.05, max: 0.95, noNaN: true }),
    fc.integer(),
  ])(
    'train and test are disjoint, cover every example and have the right sizes',
    (perClass, trainRatio, seed) => {
      const n = 2 * perClass;
      const nTrain = Math.round(n * trainRatio);
      fc.pre(nTrain >= 1 && nTrain <= n - 1);
      const { train, test: testSet } = sineSquare({
        seed,
        perClass,
        trainRatio,
        seqLen: 4,
        dim: 2,
      });
      const trainIds = ints(train.ids);
      const testIds = ints(testSet.ids);
      expect(trainIds).toHaveLength(nTrain);
      expect(testIds).toHaveLength(n - nTrain);
      expect(trainIds.filter((id) => testIds.includes(id))).toEqual([]);
      expect([...trainIds, ...testIds].sort((a, b) => a - b)).toEqual(
        Array.from({ length: n }, (_, i) => i),
      );
      // Labels follow the ids: the first perClass ids are sines.
      expect(ints(train.y)).toEqual(trainIds.map((id) => (id < perClass ? 0 : 1)));
    },
  );
});

describe('sineSquare validation', () => {
  test.each<[Partial<SineSquareOptions>, RegExp]>([
    [
      { trainRatio: 0 },
      /sineSquare: trainRatio must be a number strictly between 0 and 1; got 0\./,
    ],
    [
      { trainRatio: 1 },
      /sineSquare: trainRatio must be a number strictly between 0 and 1; got 1\./,
    ],
    [{ trainRatio: 1.5 }, /trainRatio must be a number strictly between 0 and 1; got 1\.5/],
    [{ trainRatio: Number.NaN }, /trainRatio must be .*; got NaN/],
    [{ noise: -1 }, /sineSquare: noise must be a finite number ≥ 0; got -1\./],
    [{ seqLen: 0 }, /sineSquare: seqLen must be an integer from 1 to 1000000; got 0\./],
    [{ dim: 2.5 }, /sineSquare: dim must be an integer from 1 to 1000000; got 2\.5/],
    [{ perClass: 0 }, /sineSquare: perClass must be an integer from 1 to 10000000; got 0/],
    [
      { seed: undefined },
      /sineSquare: seed must be a safe integer \(it is required\); got undefined/,
    ],
    [
      { perClass: 1, trainRatio: 0.1 },
      /sineSquare: trainRatio 0\.1 with 2 examples \(perClass = 1\) leaves the train split empty/,
    ],
    [{ perClass: 2, trainRatio: 0.95 }, /leaves the test split empty/],
  ])('rejects %o', (bad, message) => {
    const call = () => sineSquare({ seed: 0, ...bad } as SineSquareOptions);
    expect(call).toThrow(DatasetError);
    expect(call).toThrow(message);
  });
});
