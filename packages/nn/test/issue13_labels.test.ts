// Issue 13 item 5 (nn side): out-of-range class labels and token ids. Concrete → IndexError
// naming the loss or layer, the value, its position and the valid range; traced → NaN loss,
// never the plausible finite value an all-zero one-hot row used to give.
import { IndexError, jit, logSoftmax, type Tensor, tensor, vmap } from '@loom/core';
import { describe, expect, test } from 'vitest';
import { embedding } from '../src/layers/embedding.js';
import { sparseSoftmaxCrossEntropy } from '../src/losses/softmax.js';

const logits = tensor(
  [
    [1, 2, 0.5],
    [0.1, -1, 3],
    [2, 2, 2],
  ],
  { dtype: 'float64' },
);
const labels = (v: number[]) => tensor(v, { dtype: 'int32' });

describe('sparseSoftmaxCrossEntropy', () => {
  test('an eager label of 100 for 3 classes is an IndexError naming it', () => {
    expect(() => sparseSoftmaxCrossEntropy(logits, labels([0, 100, 2]))).toThrow(IndexError);
    expect(() => sparseSoftmaxCrossEntropy(logits, labels([0, 100, 2]))).toThrow(
      'sparseSoftmaxCrossEntropy: label 100 at flat position 1 (multi-index [1]) of int32[3] is ' +
        'out of range for an axis of size 3: valid values are 0 to 2.',
    );
  });

  test('traced under jit: the bad example is NaN, the others the exact −log p', () => {
    const lp = logSoftmax(logits, -1).toArray() as number[][];
    const perExample = jit((z: Tensor, y: Tensor) =>
      sparseSoftmaxCrossEntropy(z, y, { reduction: 'none' }),
    )(logits, labels([1, -4, 2]));
    const got = perExample.toArray() as number[];
    expect(got[0]).toBeCloseTo(-lp[0][1], 12);
    expect(Number.isNaN(got[1])).toBe(true);
    expect(got[2]).toBeCloseTo(-lp[2][2], 12);
    const mean = jit((z: Tensor, y: Tensor) => sparseSoftmaxCrossEntropy(z, y))(
      logits,
      labels([1, 3, 2]),
    );
    expect(Number.isNaN(mean.item())).toBe(true);
  });

  test('traced under vmap: NaN for the bad example only', () => {
    const f = vmap((z: Tensor, y: Tensor) =>
      sparseSoftmaxCrossEntropy(z.reshape([1, 3]), y.reshape([1])),
    );
    const got = f(logits, jit((y: Tensor) => y)(labels([0, 7, 1]))).toArray() as number[];
    expect(Number.isNaN(got[1])).toBe(true);
    expect(got.filter(Number.isFinite)).toHaveLength(2);
  });
});

describe('embedding', () => {
  const table = {
    table: tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64' },
    ),
  };

  test('an eager id out of range is an IndexError naming the layer and the multi-index', () => {
    expect(() =>
      embedding.apply(
        table,
        tensor(
          [
            [0, 1],
            [2, 0],
          ],
          { dtype: 'int32' },
        ),
      ),
    ).toThrow(
      'embedding.apply: id 2 at flat position 2 (multi-index [1, 0]) of int32[2,2] is out of ' +
        'range for an axis of size 2: valid values are 0 to 1.',
    );
  });

  test('traced ids out of range give NaN rows under jit', () => {
    const out = jit((ids: Tensor) => embedding.apply(table, ids))(
      tensor([1, 5], { dtype: 'int32' }),
    );
    expect(out.toArray()).toEqual([
      [3, 4],
      [Number.NaN, Number.NaN],
    ]);
  });
});
