// SPDX-License-Identifier: MIT
// W2 in TensorFlow.js, written as its users would: the 96 steps unrolled in JavaScript, gradients
// by the tape behind optimizer.minimize, Adam from tf.train (bias-corrected, eps outside the
// square root, as optax). Runs on whichever backend is active; tf.tidy releases each step's
// tensors.
import * as tf from '@tensorflow/tfjs';
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

const NAMES = ['wx', 'wh', 'b', 'w1', 'b1', 'w2', 'b2'] as const;

/** TensorFlow.js's sine-vs-square training loop on the active backend. */
export function tfSineSquareTrainer(init: SineSquareWeights, data: SineSquareData): Trainer {
  const shapes: Record<(typeof NAMES)[number], number[]> = {
    wx: [SS_FEATURES, SS_HIDDEN],
    wh: [SS_HIDDEN, SS_HIDDEN],
    b: [SS_HIDDEN],
    w1: [SS_HIDDEN, SS_FC],
    b1: [SS_FC],
    w2: [SS_FC, SS_CLASSES],
    b2: [SS_CLASSES],
  };
  const v = Object.fromEntries(
    NAMES.map((n) => [n, tf.variable(tf.tensor(init[n], shapes[n]))]),
  ) as Record<(typeof NAMES)[number], tf.Variable>;
  const varList = NAMES.map((n) => v[n]);
  const xs = data.xs.map((x) => tf.tensor3d(x, [data.seqLen, SS_BATCH, SS_FEATURES]));
  const ys = data.ys.map((y) => tf.tensor2d(y, [SS_BATCH, SS_CLASSES]));
  const optimizer = tf.train.adam(ADAM.lr, ADAM.b1, ADAM.b2, ADAM.eps);
  const loss = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => {
    let h: tf.Tensor = tf.zeros([SS_BATCH, SS_HIDDEN]);
    for (const xt of tf.unstack(x)) {
      h = tf.relu(tf.add(tf.add(tf.matMul(xt, v.wx), tf.matMul(h, v.wh)), v.b));
    }
    const f1 = tf.relu(tf.add(tf.matMul(h, v.w1), v.b1));
    const z = tf.add(tf.matMul(f1, v.w2), v.b2);
    return tf.losses.softmaxCrossEntropy(y, z) as tf.Scalar;
  };
  let last: tf.Scalar | null = null;
  return {
    step(i) {
      const k = i % xs.length;
      last?.dispose();
      last = tf.tidy(
        () => optimizer.minimize(() => loss(xs[k], ys[k]), true, varList) as tf.Scalar,
      );
    },
    loss: () => (last ? last.dataSync()[0] : Number.NaN),
    weights: () =>
      Object.fromEntries(NAMES.map((n) => [n, v[n].dataSync().slice() as Float32Array])),
    dispose() {
      last?.dispose();
      tf.dispose([...varList, ...xs, ...ys]);
      optimizer.dispose();
    },
  };
}
