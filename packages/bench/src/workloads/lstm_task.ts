// SPDX-License-Identifier: MIT
// W3 (char-LSTM) and W4 (big LSTM) of BENCHMARKS.md: sizes, initial weights and batches, shared
// by every system. One LSTM layer with the gates fused along the last axis in the order
// [i, f, g, o] (@loom/nn's layout): wx [in, 4H], wh [H, 4H], b [4H].
//   W3: one-hot characters (vocab 65) → LSTM 128 → dense 65, softmax cross-entropy averaged over
//       every step and example, Adam 2e-3; batch 32, seq 32.
//   W4: seeded normal inputs (128) → LSTM 512, loss = mean of the last h, SGD 1e-3; batch 64,
//       seq 64.
import { charCorpus, defaultCorpus, splitmix32 } from '@loom/datasets';
import { glorotArray } from './init.js';

export interface LstmTask {
  /** 'char': W3's language model; 'last-h': W4's mean of the last hidden state. */
  kind: 'char' | 'last-h';
  /** Input features (W3: the vocabulary, inputs and targets are one-hot over it). */
  inFeatures: number;
  hidden: number;
  batch: number;
  seq: number;
  /** Adam's rate for 'char', SGD's for 'last-h'. */
  lr: number;
}

export const W3_TASK: LstmTask = {
  kind: 'char',
  inFeatures: 65,
  hidden: 128,
  batch: 32,
  seq: 32,
  lr: 2e-3,
};

export const W4_TASK: LstmTask = {
  kind: 'last-h',
  inFeatures: 128,
  hidden: 512,
  batch: 64,
  seq: 64,
  lr: 1e-3,
};

/** Adam's other constants, optax's defaults (eps outside the square root). */
export const LSTM_ADAM = { b1: 0.9, b2: 0.999, eps: 1e-8 } as const;

/** Glorot-uniform matrices and zero biases; `wo`, `bo` (dense H → vocab) for 'char' only. */
export interface LstmWeights {
  [name: string]: Float32Array;
  wx: Float32Array;
  wh: Float32Array;
  b: Float32Array;
}

export function lstmWeights(task: LstmTask, seed: number): LstmWeights {
  const rng = splitmix32(seed);
  const h = task.hidden;
  const w: LstmWeights = {
    wx: glorotArray(rng, task.inFeatures, 4 * h),
    wh: glorotArray(rng, h, 4 * h),
    b: new Float32Array(4 * h),
  };
  if (task.kind === 'char') {
    w.wo = glorotArray(rng, h, task.inFeatures);
    w.bo = new Float32Array(task.inFeatures);
  }
  return w;
}

/** Time-major batches: xs [T, B, in]; for 'char' ys [T, B, vocab] one-hot next characters. */
export interface LstmData {
  xs: Float32Array[];
  /** Empty for 'last-h', whose loss has no targets. */
  ys: Float32Array[];
}

/**
 * `count` batches. W3 reads random windows of @loom/datasets' generated English-like corpus;
 * its 44 distinct characters keep their ids in the 65-symbol vocabulary (a larger vocabulary
 * would be folded onto it modulo 65). W4 draws standard normal inputs.
 */
export function lstmData(task: LstmTask, count: number, seed: number): LstmData {
  const { seq: T, batch: B, inFeatures: V } = task;
  if (task.kind === 'last-h') {
    const rng = splitmix32(seed);
    const xs = Array.from({ length: count }, () => {
      const x = new Float32Array(T * B * V);
      for (let i = 0; i < x.length; i++) x[i] = rng.nextNormal();
      return x;
    });
    return { xs, ys: [] };
  }
  const corpus = charCorpus(defaultCorpus({ seed }));
  const xs: Float32Array[] = [];
  const ys: Float32Array[] = [];
  for (let n = 0; n < count; n++) {
    // [B, T + 1] ids: feed [:, :T], predict [:, 1:].
    const ids = corpus.windows({ batchSize: B, seqLen: T, seed: seed + n }).data();
    const x = new Float32Array(T * B * V);
    const y = new Float32Array(T * B * V);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        x[(t * B + b) * V + (ids[b * (T + 1) + t] % V)] = 1;
        y[(t * B + b) * V + (ids[b * (T + 1) + t + 1] % V)] = 1;
      }
    }
    xs.push(x);
    ys.push(y);
  }
  return { xs, ys };
}

/** Floating-point operations of one forward pass's matrix products (both LSTM ones, and the dense). */
export function lstmForwardFlops(t: LstmTask): number {
  const gates = 2 * t.batch * 4 * t.hidden * (t.inFeatures + t.hidden);
  const dense = t.kind === 'char' ? 2 * t.batch * t.hidden * t.inFeatures : 0;
  return t.seq * (gates + dense);
}

/** A training step's flops: the backward pass costs about twice the forward (BENCHMARKS.md). */
export const lstmStepFlops = (t: LstmTask): number => 3 * lstmForwardFlops(t);

/** Tokens (time steps × examples) per training step. */
export const lstmTokens = (t: LstmTask): number => t.seq * t.batch;
