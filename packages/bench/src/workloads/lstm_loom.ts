// SPDX-License-Identifier: MIT
// W3 and W4 in Loom, the way a user writes them: @loom/nn's LSTM cell run by `rnn` (one scan),
// a dense layer and softmax cross-entropy (W3) or the mean of the last h (W4), gradients by
// valueAndGrad and @loom/nn's Adam or SGD, all in one pure step for jit to compile.
import { type Tensor, tensor, valueAndGrad } from '@loom/core';
import {
  adam,
  applyUpdates,
  type GradientTransformation,
  type LinearParams,
  type LstmParams,
  linear,
  lstmCell,
  rnn,
  sgd,
  softmaxCrossEntropy,
} from '@loom/nn';
import { backendMismatch, jitWith, type LoomBackend } from './loom_backend.js';
import { loomTrainer, loomTrainerWith, type Step } from './loom_trainer.js';
import { LSTM_ADAM, type LstmData, type LstmTask, type LstmWeights } from './lstm_task.js';
import type { Trainer, Weights } from './system.js';

/** The parameter tree: the LSTM cell, and for W3 the dense output layer. */
export type LstmModelParams = { cell: LstmParams; out?: LinearParams };
type Params = LstmModelParams;

/** The task's loss of one batch (xs [T, B, in]; ys [T, B, vocab] one-hot, unused for W4). */
export function lstmLoss(task: LstmTask): (p: Params, xs: Tensor, ys: Tensor) => Tensor {
  const config = { inFeatures: task.inFeatures, hiddenSize: task.hidden };
  return (p, xs, ys) => {
    const { outputs, carry } = rnn(
      lstmCell,
      p.cell,
      xs,
      lstmCell.initialCarry(config, xs.shape[1]),
      { timeMajor: true },
    );
    if (task.kind === 'last-h') return carry.h.mean();
    return softmaxCrossEntropy(linear.apply(p.out!, outputs), ys);
  };
}

function optimizerOf(task: LstmTask): GradientTransformation<unknown> {
  return task.kind === 'char' ? adam(task.lr, LSTM_ADAM) : sgd(task.lr);
}

/** The training step and the optimizer state it starts from. */
export function lstmStep(task: LstmTask): {
  step: Step<Params, unknown>;
  initState: (params: Params) => unknown;
} {
  const loss = lstmLoss(task);
  const optimizer = optimizerOf(task);
  return {
    step(params, state, xs, ys) {
      const [value, grads] = valueAndGrad(loss)(params, xs, ys);
      const [updates, next] = optimizer.update(grads, state, params);
      return [applyUpdates(params, updates), next, value];
    },
    initState: (params) => optimizer.init(params),
  };
}

/** The initial weights as a fresh parameter tree (copies, so no system shares storage). */
export function lstmParams(task: LstmTask, w: LstmWeights): Params {
  const t = (a: Float32Array, shape: number[]) => tensor(a.slice(), { shape });
  const h = task.hidden;
  const cell = {
    wx: t(w.wx, [task.inFeatures, 4 * h]),
    wh: t(w.wh, [h, 4 * h]),
    b: t(w.b, [4 * h]),
  };
  if (task.kind === 'last-h') return { cell };
  return { cell, out: { w: t(w.wo, [h, task.inFeatures]), b: t(w.bo, [task.inFeatures]) } };
}

/** The batches as tensors; W4 has no targets and gets a scalar placeholder per batch. */
export function lstmTensors(task: LstmTask, data: LstmData): { xs: Tensor[]; ys: Tensor[] } {
  const shape = [task.seq, task.batch, task.inFeatures];
  return {
    xs: data.xs.map((x) => tensor(x, { shape })),
    ys:
      task.kind === 'char'
        ? data.ys.map((y) => tensor(y, { shape }))
        : data.xs.map(() => tensor(0)),
  };
}

function weightsOf(p: Params): Weights {
  const f32 = (x: Tensor) => x.data() as Float32Array;
  const w: Weights = { wx: f32(p.cell.wx), wh: f32(p.cell.wh), b: f32(p.cell.b) };
  if (p.out) {
    w.wo = f32(p.out.w);
    w.bo = f32(p.out.b!);
  }
  return w;
}

/**
 * Loom's trainer: eager, or under `jit(step, { backend })`. A string says why it cannot run
 * (jit ignoring the backend it was asked for).
 */
export function loomLstmTrainer(
  task: LstmTask,
  init: LstmWeights,
  data: LstmData,
  mode: 'eager' | LoomBackend,
): Trainer | string {
  const params = lstmParams(task, init);
  const { step, initState } = lstmStep(task);
  const state = initState(params);
  const batches = lstmTensors(task, data);
  if (mode === 'eager') {
    return loomTrainer(step, { params, state }, batches, weightsOf, { jit: false });
  }
  const jitted = jitWith(step, mode);
  const mismatch = backendMismatch(jitted, mode, params, state, batches.xs[0], batches.ys[0]);
  if (mismatch !== null) return mismatch;
  return loomTrainerWith(jitted, { params, state }, batches, weightsOf);
}
