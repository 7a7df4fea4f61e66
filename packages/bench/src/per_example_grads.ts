// SPDX-License-Identifier: MIT
// Per-example gradients of the W1 model (binary adder: in 2, hidden 16, out 1, sigmoid, ½ Σ
// squared error, 8 steps) for a batch of 64, via vmap(grad), against the batched mean gradient.
import { grad, jit, random, sum, type Tensor, vmap } from '@loom/core';
import { measure, type Row } from './harness.js';
import { type AdderParams, adderForward } from './workloads/w1_loom.js';

type Params = AdderParams;
const H = 16;
const B = 64;

/** ½ Σ squared error of the W1 model; xs [T, b, 2], targets [T, b, 1], any batch b. */
function loss(p: AdderParams, xs: Tensor, targets: Tensor): Tensor {
  const err = adderForward(p, xs).sub(targets);
  return sum(err.mul(err)).mul(0.5);
}

export function perExampleGradients(): Row[] {
  const [k1, k2, k3, k4] = random.split(random.key(0), 4);
  const params: Params = {
    V: random.uniform(k1, [2, H], { minval: -1, maxval: 1 }),
    U: random.uniform(k2, [H, H], { minval: -1, maxval: 1 }),
    W: random.uniform(k3, [H, 1], { minval: -1, maxval: 1 }),
  };
  const bits = random.bernoulli(k4, 0.5, [B, 8, 3]).astype('float32');
  const xs = bits.slice([0, 0, 0], [B, 8, 2]); // [B, T, 2]
  const ys = bits.slice([0, 0, 2], [B, 8, 3]); // [B, T, 1]
  const perExample = vmap((x: Tensor, y: Tensor) =>
    grad(loss)(params, x.reshape([8, 1, 2]), y.reshape([8, 1, 1])),
  );
  const batched = grad((p: Params) =>
    loss(p, xs.transpose([1, 0, 2]), ys.transpose([1, 0, 2])).div(B),
  );
  const tBatched = measure(() => batched(params), { warmup: 5, repeats: 5 });
  const tPerExample = measure(() => perExample(xs, ys), { warmup: 5, repeats: 5 });
  // The measure: both under jit (params passed as an argument so the trace is reused).
  const perExampleJit = jit((p: Params, x: Tensor, y: Tensor) =>
    vmap((xi: Tensor, yi: Tensor) => grad(loss)(p, xi.reshape([8, 1, 2]), yi.reshape([8, 1, 1])))(
      x,
      y,
    ),
  );
  const batchedJit = jit(
    grad((p: Params, x: Tensor, y: Tensor) =>
      loss(p, x.transpose([1, 0, 2]), y.transpose([1, 0, 2])).div(B),
    ),
  );
  const tBatchedJit = measure(() => batchedJit(params, xs, ys), { warmup: 5, repeats: 5 });
  const tPerExampleJit = measure(() => perExampleJit(params, xs, ys), { warmup: 5, repeats: 5 });
  return [
    {
      workload: 'W1 grads, batch 64',
      system: 'batched mean grad (jit)',
      microseconds: tBatchedJit,
      ratio: 1,
    },
    {
      workload: 'W1 grads, batch 64',
      system: 'per-example vmap(grad) (jit)',
      microseconds: tPerExampleJit,
      ratio: tPerExampleJit / tBatchedJit,
    },
    {
      workload: 'W1 grads, batch 64',
      system: 'batched mean grad (eager)',
      microseconds: tBatched,
      ratio: 1,
    },
    {
      workload: 'W1 grads, batch 64',
      system: 'per-example vmap(grad) (eager)',
      microseconds: tPerExample,
      ratio: tPerExample / tBatched,
    },
  ];
}
