// nn under vmap: layers, cells and a whole sequence loss written for one example run on a batch.
import { grad, random, stack, type Tensor, vmap } from '@loom/core';
import { describe, expect, test } from 'vitest';
import { linear, lstmCell, rnn, sparseSoftmaxCrossEntropy } from '../src/index.js';

const maxDiff = (a: Tensor, b: Tensor) => {
  const y = b.data();
  return Math.max(...Array.from(a.data(), (v, i) => Math.abs(v - y[i])));
};

describe('nn under vmap', () => {
  const [k1, k2, k3, k4] = random.split(random.key(3), 4);
  const config = { inFeatures: 3, hiddenSize: 4, dtype: 'float64' as const };
  const cellParams = lstmCell.init(k1, config);
  const head = linear.init(k2, { inFeatures: 4, outFeatures: 5, dtype: 'float64' });
  const xs = random.normal(k3, [6, 7, 3], { dtype: 'float64' }); // 6 examples of 7 steps
  const targets = random.uniform(k4, [6, 7]).mul(5).astype('int32'); // classes 0..4

  // Written for ONE example: x [T, in], y [T].
  const loss = (p: { cell: typeof cellParams; head: typeof head }, x: Tensor, y: Tensor) => {
    const { outputs } = rnn(
      lstmCell,
      p.cell,
      x.reshape([1, 7, 3]), // one example of 7 steps, batch-major
      lstmCell.initialCarry(config, 1),
    );
    return sparseSoftmaxCrossEntropy(linear.apply(p.head, outputs.reshape([7, 4])), y);
  };
  const params = { cell: cellParams, head };

  test('vmap of an LSTM sequence loss equals the per-example losses', () => {
    const batched = vmap((x: Tensor, y: Tensor) => loss(params, x, y))(xs, targets);
    const looped = stack(
      Array.from({ length: 6 }, (_, i) =>
        loss(params, xs.take([i], 0).reshape([7, 3]), targets.take([i], 0).reshape([7])),
      ),
    );
    expect(maxDiff(batched, looped)).toBeLessThan(1e-12);
  });

  test('per-example gradients with vmap(grad(...), {inAxes: [null, 0, 0]})', () => {
    const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] })(params, xs, targets);
    for (const i of [0, 5]) {
      const g = grad(loss)(
        params,
        xs.take([i], 0).reshape([7, 3]),
        targets.take([i], 0).reshape([7]),
      );
      expect(
        maxDiff(perExample.cell.wh.take([i], 0).reshape(g.cell.wh.shape), g.cell.wh),
      ).toBeLessThan(1e-12);
      expect(
        maxDiff(perExample.head.w.take([i], 0).reshape(g.head.w.shape), g.head.w),
      ).toBeLessThan(1e-12);
    }
  });
});
