import { describe, expect, test } from 'vitest';
import { threefry2x32 } from '../kernels/threefry.js';
import { tensor } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { jit } from '../transforms/jit.js';
import { vmap } from '../transforms/vmap.js';
import { foldIn } from './fold_in.js';
import { normalCdf } from './normal_cdf.js';
import { bernoulli, key, permutation, split } from './random.js';
import { categorical, choice, gumbel, randint } from './samplers.js';
import { truncatedNormal } from './truncated_normal.js';

const values = (t: Tensor) => Array.from(t.data() as ArrayLike<number>);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
};
const counts = (xs: number[], n: number) => {
  const c = new Array<number>(n).fill(0);
  for (const x of xs) c[x]++;
  return c;
};

describe('normalCdf', () => {
  test('matches published values of Φ, including far in the tail', () => {
    // Φ(x) from tables / high-precision references.
    const cases: [number, number][] = [
      [0, 0.5],
      [-1, 0.15865525393145707],
      [1.96, 0.9750021048517795],
      [-3, 0.0013498980316301035],
      [-5, 2.866515718791939e-7],
      [-10, 7.619853024160527e-24],
      [-30, 4.906713927148187e-198],
    ];
    for (const [x, want] of cases) expect(Math.abs(normalCdf(x) - want) / want).toBeLessThan(1e-13);
  });
});

describe('foldIn', () => {
  test('is threefry of the counter (0, data) under the key; traced data and vmap agree with eager', () => {
    const k = key(42);
    const [a, b] = threefry2x32(0, 42, 0, 7);
    expect(values(foldIn(k, 7))).toEqual([a | 0, b | 0]);
    expect(values(foldIn(k, 7))).not.toEqual(values(foldIn(k, 8)));
    const jitted = jit((kk: Tensor, d: Tensor) => foldIn(kk, d));
    expect(values(jitted(k, tensor(7, { dtype: 'int32' })))).toEqual([a | 0, b | 0]);
    const batched = vmap((d: Tensor) => foldIn(k, d))(tensor([3, 7], { dtype: 'int32' }));
    expect(values(batched)).toEqual([...values(foldIn(k, 3)), ...values(foldIn(k, 7))]);
    expect(() => foldIn(k, 1.5)).toThrow(/random.foldIn: data must be a 32-bit integer, got 1.5/);
  });
});

describe('gumbel and categorical', () => {
  test('gumbel has mean γ and variance π²/6', () => {
    const xs = values(gumbel(key(1), [40000], { dtype: 'float64' }));
    expect(mean(xs)).toBeCloseTo(0.5772156649, 1);
    expect(Math.abs(variance(xs) - Math.PI ** 2 / 6)).toBeLessThan(0.06);
  });

  test('categorical draws each category with its softmax probability', () => {
    const probs = [0.5, 0.3, 0.15, 0.05];
    const logits = tensor(probs.map((p) => Math.log(p) + 2));
    const n = 40000;
    const draws = categorical(key(2), logits, { shape: [n] });
    expect(draws.dtype).toBe('int32');
    expect(draws.shape).toEqual([n]);
    const c = counts(values(draws), 4);
    probs.forEach((p, i) => {
      // within 5 standard deviations of the binomial count
      expect(Math.abs(c[i] - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    });
  });

  test('categorical: batch shapes, axis, jit and per-row independence', () => {
    const logits = tensor([
      [0, 0, 30],
      [30, 0, 0],
    ]);
    expect(values(categorical(key(3), logits))).toEqual([2, 0]);
    expect(values(categorical(key(3), logits, { axis: 0 }))).toEqual([1, 1, 0]);
    const many = categorical(key(3), logits, { shape: [5, 2] });
    expect(many.shape).toEqual([5, 2]);
    expect(values(many)).toEqual([2, 0, 2, 0, 2, 0, 2, 0, 2, 0]);
    const jitted = jit((k: Tensor, l: Tensor) => categorical(k, l));
    expect(values(jitted(key(9), logits))).toEqual([2, 0]);
    expect(() => categorical(key(3), logits, { shape: [5, 3] })).toThrow(
      /random.categorical: shape \[5,3\] must end with the logits' batch shape \[2\]/,
    );
  });
});

describe('randint, choice, permutation, bernoulli', () => {
  test('randint is uniform over [minval, maxval)', () => {
    const n = 30000;
    const xs = values(randint(key(4), [n], -3, 3));
    expect(Math.min(...xs)).toBe(-3);
    expect(Math.max(...xs)).toBe(2);
    const c = counts(
      xs.map((x) => x + 3),
      6,
    );
    for (const k of c) expect(Math.abs(k - n / 6)).toBeLessThan(5 * Math.sqrt((n / 6) * (5 / 6)));
    expect(() => randint(key(4), [2], 3, 3)).toThrow(
      /random.randint: needs 32-bit integers minval < maxval/,
    );
  });

  test('choice with and without replacement, with probabilities, from a tensor along an axis', () => {
    const noRepeat = values(choice(key(5), 10, { shape: [10], replace: false }));
    expect([...noRepeat].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const p = tensor([0.1, 0, 0.9], { dtype: 'float64' });
    const weighted = values(choice(key(6), 3, { shape: [20000], p }));
    const c = counts(weighted, 3);
    expect(c[1]).toBe(0);
    expect(Math.abs(c[2] / 20000 - 0.9)).toBeLessThan(0.015);
    const topK = values(choice(key(7), 3, { shape: [2], replace: false, p }));
    expect(new Set(topK)).toEqual(new Set([0, 2]));
    const rows = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const picked = choice(key(8), rows, { shape: [4], axis: 0 });
    expect(picked.shape).toEqual([4, 2]);
    for (let i = 0; i < 4; i++) {
      const [x, y] = values(picked).slice(2 * i, 2 * i + 2);
      expect(y).toBe(x + 1);
    }
    expect(() => choice(key(5), 3, { shape: [4], replace: false })).toThrow(
      /cannot take 4 samples \(shape \[4\]\) from 3 candidates without replacement/,
    );
  });

  test('permutation of a tensor moves whole slices; bernoulli takes per-element probabilities', () => {
    const x = tensor([
      [0, 1],
      [10, 11],
      [20, 21],
    ]);
    const perm = values(permutation(key(11), x));
    const firsts = [perm[0], perm[2], perm[4]];
    expect([...firsts].sort((a, b) => a - b)).toEqual([0, 10, 20]);
    expect([perm[1], perm[3], perm[5]]).toEqual(firsts.map((f) => f + 1));
    const b = bernoulli(key(12), tensor([0, 1, 0, 1]));
    expect(values(b).map(Boolean)).toEqual([false, true, false, true]);
    const [k1] = split(key(12));
    expect(bernoulli(k1).shape).toEqual([]);
  });
});

describe('truncatedNormal', () => {
  /** Φ by Simpson integration of the density: an independent reference for the test. */
  const cdfByQuadrature = (a: number, b: number) => {
    const n = 20000;
    const h = (b - a) / n;
    const f = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    let s = f(a) + f(b);
    for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
    return (s * h) / 3;
  };

  test.each([
    [-2, 2],
    [-1, 3],
    [0.5, 1],
    [4, 6],
    [-6, -4],
  ])('samples lie in [%d, %d] with the truncated mean and a small KS distance', (lo, hi) => {
    const xs = values(truncatedNormal(key(13), lo, hi, [20000], { dtype: 'float64' }));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(lo);
    expect(Math.max(...xs)).toBeLessThanOrEqual(hi);
    const z = cdfByQuadrature(lo, hi);
    const pdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    const truncatedMean = (pdf(lo) - pdf(hi)) / z;
    const sd = Math.sqrt(variance(xs));
    expect(Math.abs(mean(xs) - truncatedMean)).toBeLessThan((5 * sd) / Math.sqrt(xs.length));
    // Kolmogorov–Smirnov distance at 20 points against the quadrature CDF.
    const sorted = [...xs].sort((a, b) => a - b);
    let ks = 0;
    for (let i = 1; i < 20; i++) {
      const x = lo + ((hi - lo) * i) / 20;
      const above = sorted.findIndex((v) => v > x);
      const empirical = (above < 0 ? sorted.length : above) / sorted.length;
      ks = Math.max(ks, Math.abs(empirical - cdfByQuadrature(lo, x) / z));
    }
    expect(ks).toBeLessThan(0.015);
  });

  test('float32 samples stay within the bounds; infinite bounds work; bad bounds are named', () => {
    const xs = values(truncatedNormal(key(14), -0.1, 0.1, [5000]));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-0.1);
    expect(Math.max(...xs)).toBeLessThanOrEqual(0.1);
    const half = values(
      truncatedNormal(key(15), 0, Number.POSITIVE_INFINITY, [20000], { dtype: 'float64' }),
    );
    expect(Math.min(...half)).toBeGreaterThanOrEqual(0);
    expect(mean(half)).toBeCloseTo(Math.sqrt(2 / Math.PI), 1);
    expect(() => truncatedNormal(key(1), 2, 1, [3])).toThrow(
      /random.truncatedNormal: needs numbers lower < upper, got lower 2, upper 1/,
    );
  });
});
