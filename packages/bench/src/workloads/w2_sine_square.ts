// SPDX-License-Identifier: MIT
// W2 (BENCHMARKS.md): sine vs square. ReLU RNN h = relu(x·wx + h·wh + b), x dim 16, hidden 12,
// seq 96; its last state through dense 12→6 ReLU and dense 6→2; softmax cross-entropy averaged
// over a batch of 16; Adam with rate 0.005 (b1 0.9, b2 0.999, eps 1e-8 outside the square root,
// bias-corrected, as optax).
import { sineSquare, splitmix32 } from '@loom/datasets';
import { glorotArray } from './init.js';

export const SS_FEATURES = 16;
export const SS_HIDDEN = 12;
export const SS_FC = 6;
export const SS_CLASSES = 2;
export const SS_BATCH = 16;
export const SS_SEQ = 96;
export const ADAM = { lr: 0.005, b1: 0.9, b2: 0.999, eps: 1e-8 } as const;

/** Glorot-uniform weights ([in, out]) and zero biases, the defaults of Loom's layers. */
export interface SineSquareWeights {
  [name: string]: Float32Array;
  wx: Float32Array;
  wh: Float32Array;
  b: Float32Array;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

export function sineSquareWeights(seed: number): SineSquareWeights {
  const rng = splitmix32(seed);
  return {
    wx: glorotArray(rng, SS_FEATURES, SS_HIDDEN),
    wh: glorotArray(rng, SS_HIDDEN, SS_HIDDEN),
    b: new Float32Array(SS_HIDDEN),
    w1: glorotArray(rng, SS_HIDDEN, SS_FC),
    b1: new Float32Array(SS_FC),
    w2: glorotArray(rng, SS_FC, SS_CLASSES),
    b2: new Float32Array(SS_CLASSES),
  };
}

/** Pre-generated batches of 16, time-major so that every system can read one step as a slice. */
export interface SineSquareData {
  seqLen: number;
  /** Per batch: [seqLen, 16, 16] (time, example, feature). */
  xs: Float32Array[];
  /** Per batch: one-hot labels [16, 2]. */
  ys: Float32Array[];
}

/** `count` batches from the training split of @loom/datasets' sineSquare (BENCHMARKS.md's recipe). */
export function sineSquareData(count: number, seed: number, seqLen = SS_SEQ): SineSquareData {
  const need = count * SS_BATCH;
  // The training split is 70% of 2·perClass examples.
  const perClass = Math.ceil(need / 1.4) + 1;
  const { train } = sineSquare({ seed, seqLen, perClass });
  const x = train.x.data() as Float32Array;
  const y = train.yOneHot.data() as Float32Array;
  const xs: Float32Array[] = [];
  const ys: Float32Array[] = [];
  for (let n = 0; n < count; n++) {
    const bx = new Float32Array(seqLen * SS_BATCH * SS_FEATURES);
    for (let b = 0; b < SS_BATCH; b++) {
      const e = n * SS_BATCH + b;
      for (let t = 0; t < seqLen; t++) {
        const from = (e * seqLen + t) * SS_FEATURES;
        bx.set(x.subarray(from, from + SS_FEATURES), (t * SS_BATCH + b) * SS_FEATURES);
      }
    }
    xs.push(bx);
    ys.push(y.slice(n * SS_BATCH * SS_CLASSES, (n + 1) * SS_BATCH * SS_CLASSES));
  }
  return { seqLen, xs, ys };
}
