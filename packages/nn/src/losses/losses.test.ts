import {
  checkGrads,
  DtypeError,
  grad,
  InvalidArgumentError,
  ShapeError,
  type Tensor,
  tensor,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import { expectClose, f64, randMat, sigma } from '../../test/reference.js';
import { binaryCrossEntropy, sigmoidBinaryCrossEntropy } from './binary.js';
import { mse, sumSquaredError } from './regression.js';
import { softmaxCrossEntropy, sparseSoftmaxCrossEntropy } from './softmax.js';

const P = randMat(3, 4, 1);
const Y = randMat(3, 4, 2);
const flat = (m: number[][]) => m.flat();
const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sumOf = (v: number[]) => v.reduce((a, b) => a + b, 0);

describe('regression losses', () => {
  test('sumSquaredError = ½ Σ (p − y)², gradient p − y', () => {
    const want = 0.5 * sumOf(flat(P).map((p, i) => (p - flat(Y)[i]) ** 2));
    expectClose(sumSquaredError(f64(P), f64(Y)), want, 1e-12);
    const g = grad((p: Tensor) => sumSquaredError(p, f64(Y)))(f64(P));
    expectClose(
      g,
      P.map((r, i) => r.map((v, j) => v - Y[i][j])),
      1e-12,
    );
    checkGrads((p: Tensor, y: Tensor) => sumSquaredError(p, y), [f64(P), f64(Y)]);
    const w = f64([[1], [0], [2]]);
    const wantW =
      0.5 * sumOf(P.flatMap((r, i) => r.map((v, j) => [1, 0, 2][i] * (v - Y[i][j]) ** 2)));
    expectClose(sumSquaredError(f64(P), f64(Y), { weights: w }), wantW, 1e-12);
  });

  test('mse with every reduction and weights', () => {
    const se = flat(P).map((p, i) => (p - flat(Y)[i]) ** 2);
    expectClose(mse(f64(P), f64(Y)), meanOf(se), 1e-12);
    expectClose(mse(f64(P), f64(Y), { reduction: 'sum' }), sumOf(se), 1e-12);
    expectClose(mse(f64(P), f64(Y), { reduction: 'none' }), se, 1e-12);
    // Row weights [1, 0, 3] broadcast over the columns: mean is Σ w·ℓ / Σ w.
    const rowW = [1, 0, 3];
    const wse = se.map((v, i) => v * rowW[Math.floor(i / 4)]);
    const w = f64([[1], [0], [3]]);
    expectClose(mse(f64(P), f64(Y), { weights: w }), sumOf(wse) / (4 * 4), 1e-12);
    expectClose(mse(f64(P), f64(Y), { weights: w, reduction: 'sum' }), sumOf(wse), 1e-12);
    // A bool mask, and an all-false mask gives 0 rather than NaN.
    const m = tensor([[true], [false], [true]]);
    expectClose(
      mse(f64(P), f64(Y), { weights: m }),
      (sumOf(se.slice(0, 4)) + sumOf(se.slice(8))) / 8,
      1e-12,
    );
    expectClose(mse(f64(P), f64(Y), { weights: tensor([[false], [false], [false]]) }), 0);
    checkGrads((p: Tensor) => mse(p, f64(Y), { weights: w }), [f64(P)]);
  });

  test('shape and option errors', () => {
    expect(() => mse(f64(P), f64([1, 2]))).toThrow(ShapeError);
    expect(() => mse(f64(P), f64(Y), { reduction: 'avg' as 'mean' })).toThrow(InvalidArgumentError);
  });
});

describe('binary cross-entropy', () => {
  const Z = randMat(3, 4, 3, 3);
  const probs = Z.map((r) => r.map(sigma));
  const T01 = randMat(3, 4, 4).map((r) => r.map((v) => (v > 0 ? 1 : 0)));
  const bce = (p: number, y: number) => -(y * Math.log(p) + (1 - y) * Math.log(1 - p));

  test('on probabilities, clipped by eps', () => {
    const want = flat(probs).map((p, i) => bce(p, flat(T01)[i]));
    expectClose(binaryCrossEntropy(f64(probs), f64(T01)), meanOf(want), 1e-12);
    expectClose(binaryCrossEntropy(f64(probs), f64(T01), { reduction: 'none' }), want, 1e-12);
    // p = 0 and 1 are clipped to eps and 1 − eps: finite.
    const edge = binaryCrossEntropy(f64([0, 1]), f64([1, 0]), { eps: 1e-6, reduction: 'none' });
    expectClose(edge, [-Math.log(1e-6), -Math.log(1e-6)], 1e-9);
    checkGrads((p: Tensor) => binaryCrossEntropy(p, f64(T01)), [f64(probs)]);
  });

  test('on logits: max(z,0) − z·y + log(1 + e^−|z|), equal to BCE of σ(z) and stable', () => {
    const want = flat(probs).map((p, i) => bce(p, flat(T01)[i]));
    expectClose(sigmoidBinaryCrossEntropy(f64(Z), f64(T01), { reduction: 'none' }), want, 1e-12);
    const big = sigmoidBinaryCrossEntropy(f64([1000, -1000, 1000]), f64([1, 0, 0]), {
      reduction: 'none',
    });
    expectClose(big, [0, 0, 1000], 1e-12);
    checkGrads((z: Tensor, y: Tensor) => sigmoidBinaryCrossEntropy(z, y), [f64(Z), f64(T01)]);
    // Soft targets and bool targets are accepted.
    const yb = tensor(T01.map((r) => r.map((v) => v === 1)));
    expectClose(sigmoidBinaryCrossEntropy(f64(Z), yb), meanOf(want), 1e-12);
  });
});

describe('softmax cross-entropy', () => {
  const logits = randMat(4, 5, 5, 3);
  const labels = [0, 3, 4, 1];
  const logSoftmaxRef = (row: number[]) => {
    const m = Math.max(...row);
    const lse = m + Math.log(sumOf(row.map((v) => Math.exp(v - m))));
    return row.map((v) => v - lse);
  };
  const perExample = logits.map((row, i) => -logSoftmaxRef(row)[labels[i]]);
  const oneHot = labels.map((l) => Array.from({ length: 5 }, (_, c) => (c === l ? 1 : 0)));

  test('one-hot and sparse labels agree with −log softmax[label]', () => {
    expectClose(
      softmaxCrossEntropy(f64(logits), f64(oneHot), { reduction: 'none' }),
      perExample,
      1e-12,
    );
    const sparse = tensor(labels, { dtype: 'int32' });
    expectClose(sparseSoftmaxCrossEntropy(f64(logits), sparse), meanOf(perExample), 1e-12);
    expectClose(
      sparseSoftmaxCrossEntropy(f64(logits), sparse, { reduction: 'sum' }),
      sumOf(perExample),
      1e-12,
    );
    const w = f64([1, 1, 0, 0]);
    expectClose(
      sparseSoftmaxCrossEntropy(f64(logits), sparse, { weights: w }),
      (perExample[0] + perExample[1]) / 2,
      1e-12,
    );
  });

  test('gradient is softmax − onehot, and checkGrads', () => {
    const g = grad((z: Tensor) => softmaxCrossEntropy(z, f64(oneHot), { reduction: 'sum' }))(
      f64(logits),
    );
    const want = logits.map((row, i) =>
      logSoftmaxRef(row).map((v, c) => Math.exp(v) - oneHot[i][c]),
    );
    expectClose(g, want, 1e-12);
    checkGrads((z: Tensor, y: Tensor) => softmaxCrossEntropy(z, y), [f64(logits), f64(oneHot)]);
    const sparse = tensor(labels, { dtype: 'int32' });
    checkGrads((z: Tensor) => sparseSoftmaxCrossEntropy(z, sparse), [f64(logits)]);
  });

  test('stable for huge logits; works with [T, B, C]', () => {
    const huge = sparseSoftmaxCrossEntropy(
      f64([[1000, 0, -1000]]),
      tensor([1], { dtype: 'int32' }),
    );
    expectClose(huge, 1000, 1e-12);
    const seq = f64([logits.slice(0, 2), logits.slice(2, 4)]);
    const lab = tensor([labels.slice(0, 2), labels.slice(2, 4)], { dtype: 'int32' });
    expect(sparseSoftmaxCrossEntropy(seq, lab, { reduction: 'none' }).shape).toEqual([2, 2]);
  });

  test('label errors', () => {
    expect(() => sparseSoftmaxCrossEntropy(f64(logits), f64(labels))).toThrow(DtypeError);
    expect(() =>
      sparseSoftmaxCrossEntropy(f64(logits), tensor([0, 1], { dtype: 'int32' })),
    ).toThrow(/need labels of shape \[4\]/);
    expect(() => softmaxCrossEntropy(f64(logits), f64(labels))).toThrow(ShapeError);
  });
});
