// SPDX-License-Identifier: MIT
// W2 in Loom, with @loom/nn's ReLU RNN cell, dense layers, softmax cross-entropy and Adam, the
// way the sine-square example program writes it; one pure step so jit(step) traces all of it.
import { relu, type Tensor, tensor, valueAndGrad } from '@loom/core';
import {
  adam,
  applyUpdates,
  type LinearParams,
  linear,
  makeRnnCell,
  type RnnParams,
  rnn,
  softmaxCrossEntropy,
} from '@loom/nn';
import { loomTrainer } from './loom_trainer.js';
import type { Trainer } from './system.js';
import {
  ADAM,
  type SineSquareData,
  type SineSquareWeights,
  SS_BATCH,
  SS_CLASSES,
  SS_FC,
  SS_FEATURES,
  SS_HIDDEN,
} from './w2_sine_square.js';

/** The parameter tree of the W2 model. */
export type SineSquareParams = { cell: RnnParams; fc1: LinearParams; fc2: LinearParams };
type Params = SineSquareParams;
const cell = makeRnnCell({ activation: 'relu' });
const config = { inFeatures: SS_FEATURES, hiddenSize: SS_HIDDEN };

/** Logits [B, 2] for time-major sequences xs [T, B, 16]. */
function logits(p: Params, xs: Tensor): Tensor {
  const { carry } = rnn(cell, p.cell, xs, cell.initialCarry(config, xs.shape[1]), {
    timeMajor: true,
  });
  return linear.apply(p.fc2, relu(linear.apply(p.fc1, carry)));
}

/** Mean softmax cross-entropy of a batch. */
export const sineSquareLoss = (p: Params, xs: Tensor, ys: Tensor): Tensor =>
  softmaxCrossEntropy(logits(p, xs), ys);

const optimizer = adam(ADAM.lr, { b1: ADAM.b1, b2: ADAM.b2, eps: ADAM.eps });
/** Adam's state for the W2 parameters. */
export type SineSquareOptState = ReturnType<typeof optimizer.init>;
type State = SineSquareOptState;

/** The training step `(params, state, xs, ys) => [params', state', loss]`. */
export function sineSquareStep(
  params: Params,
  state: State,
  xs: Tensor,
  ys: Tensor,
): [Params, State, Tensor] {
  const [value, grads] = valueAndGrad(sineSquareLoss)(params, xs, ys);
  const [updates, next] = optimizer.update(grads, state, params);
  return [applyUpdates(params, updates as Params), next, value];
}

export function sineSquareParams(w: SineSquareWeights): SineSquareParams {
  const t = (a: Float32Array, shape: number[]) => tensor(a.slice(), { shape });
  return {
    cell: {
      wx: t(w.wx, [SS_FEATURES, SS_HIDDEN]),
      wh: t(w.wh, [SS_HIDDEN, SS_HIDDEN]),
      b: t(w.b, [SS_HIDDEN]),
    },
    fc1: { w: t(w.w1, [SS_HIDDEN, SS_FC]), b: t(w.b1, [SS_FC]) },
    fc2: { w: t(w.w2, [SS_FC, SS_CLASSES]), b: t(w.b2, [SS_CLASSES]) },
  };
}

/** The data as tensors: xs [T, 16, 16] and one-hot ys [16, 2] per batch. */
export function sineSquareTensors(data: SineSquareData): { xs: Tensor[]; ys: Tensor[] } {
  return {
    xs: data.xs.map((x) => tensor(x, { shape: [data.seqLen, SS_BATCH, SS_FEATURES] })),
    ys: data.ys.map((y) => tensor(y, { shape: [SS_BATCH, SS_CLASSES] })),
  };
}

/** A fresh Adam state for `params`. */
export const sineSquareOptState = (params: Params): State => optimizer.init(params);

/** Loom's sine-vs-square training loop, eagerly or with the whole step under jit. */
export function loomSineSquareTrainer(
  init: SineSquareWeights,
  data: SineSquareData,
  options: { jit: boolean; backend?: 'js' | 'wasm' },
): Trainer {
  const params = sineSquareParams(init);
  // Optional biases are present in this model (linear layers with bias).
  const f32 = (t: Tensor | undefined) => t!.data() as Float32Array;
  return loomTrainer(
    sineSquareStep,
    { params, state: optimizer.init(params) },
    sineSquareTensors(data),
    (p) => ({
      wx: f32(p.cell.wx),
      wh: f32(p.cell.wh),
      b: f32(p.cell.b),
      w1: f32(p.fc1.w),
      b1: f32(p.fc1.b),
      w2: f32(p.fc2.w),
      b2: f32(p.fc2.b),
    }),
    options,
  );
}
