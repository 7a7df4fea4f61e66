// SPDX-License-Identifier: MIT
// W1/W1b/W5 in Loom: the adder as a scan, its loss differentiated with valueAndGrad and the SGD
// update applied by @loom/nn, all in one pure step so that jit(step) traces the whole of it.
import {
  jit,
  matmul,
  scan,
  sigmoid,
  sum,
  type Tensor,
  tensor,
  valueAndGrad,
  zeros,
} from '@loom/core';
import { applyUpdates, sgd } from '@loom/nn';
import { loomTrainer } from './loom_trainer.js';
import type { Predictor, Trainer } from './system.js';
import {
  ADDER_BITS,
  ADDER_HIDDEN,
  ADDER_LR,
  type AdderData,
  type AdderWeights,
} from './w1_adder.js';

/** The adder's parameter tree. */
export type AdderParams = { V: Tensor; U: Tensor; W: Tensor };
type Params = AdderParams;

/** Outputs [8, B, 1] for inputs [8, B, 2]. */
export function adderForward(p: Params, xs: Tensor): Tensor {
  const h0 = zeros([xs.shape[1], ADDER_HIDDEN]);
  const [, ys] = scan(
    (h: Tensor, x: Tensor) => {
      const next = sigmoid(matmul(x, p.V).add(matmul(h, p.U)));
      return [next, sigmoid(matmul(next, p.W))] as const;
    },
    h0,
    xs,
  );
  return ys;
}

function loss(p: Params, xs: Tensor, ys: Tensor): Tensor {
  const err = adderForward(p, xs).sub(ys);
  return sum(err.mul(err)).mul(0.5 / xs.shape[1]);
}

const optimizer = sgd(ADDER_LR);
/** SGD's state for the adder's parameters. */
export type AdderOptState = ReturnType<typeof optimizer.init>;

/** The training step `(params, state, xs, ys) => [params', state', loss]`. */
export function adderStep(
  params: Params,
  state: AdderOptState,
  xs: Tensor,
  ys: Tensor,
): [Params, AdderOptState, Tensor] {
  const [value, grads] = valueAndGrad(loss)(params, xs, ys);
  const [updates, next] = optimizer.update(grads, state, params);
  return [applyUpdates(params, updates as Params), next, value];
}

function toParams(w: AdderWeights): Params {
  return {
    V: tensor(w.V.slice(), { shape: [2, ADDER_HIDDEN] }),
    U: tensor(w.U.slice(), { shape: [ADDER_HIDDEN, ADDER_HIDDEN] }),
    W: tensor(w.W.slice(), { shape: [ADDER_HIDDEN, 1] }),
  };
}

function toTensors(data: AdderData): { xs: Tensor[]; ys: Tensor[] } {
  return {
    xs: data.xs.map((x) => tensor(x, { shape: [ADDER_BITS, data.batch, 2] })),
    ys: data.ys.map((y) => tensor(y, { shape: [ADDER_BITS, data.batch, 1] })),
  };
}

/** Loom's adder training loop, eagerly or with the whole step under jit. */
export function loomAdderTrainer(
  init: AdderWeights,
  data: AdderData,
  options: { jit: boolean; backend?: 'js' | 'wasm' },
): Trainer {
  const params = toParams(init);
  const f32 = (t: Tensor) => t.data() as Float32Array;
  return loomTrainer(
    adderStep,
    { params, state: optimizer.init(params) },
    toTensors(data),
    (p) => ({ V: f32(p.V), U: f32(p.U), W: f32(p.W) }),
    options,
  );
}

/** Loom's adder forward pass (W5), returning the 8 output probabilities. */
export function loomAdderPredictor(
  init: AdderWeights,
  data: AdderData,
  options: { jit: boolean; backend?: 'js' | 'wasm' },
): Predictor {
  const run = options.jit
    ? jit(adderForward, { backend: options.backend ?? 'auto' })
    : adderForward;
  const { xs } = toTensors(data);
  const params = toParams(init);
  return {
    predict: (i) => run(params, xs[i % xs.length]).data(),
    dispose() {},
  };
}
