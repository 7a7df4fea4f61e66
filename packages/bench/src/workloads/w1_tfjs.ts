// SPDX-License-Identifier: MIT
// W1/W1b/W5 in TensorFlow.js, written as its users would: the 8 steps unrolled in JavaScript,
// gradients by the tape behind optimizer.minimize, SGD from tf.train. Runs on whichever backend is
// active. Every tensor a step creates is released by tf.tidy.
import * as tf from '@tensorflow/tfjs';
import type { Predictor, Trainer } from './system.js';
import {
  ADDER_BITS,
  ADDER_HIDDEN,
  ADDER_LR,
  type AdderData,
  type AdderWeights,
} from './w1_adder.js';

const H = ADDER_HIDDEN;

interface Vars {
  V: tf.Variable;
  U: tf.Variable;
  W: tf.Variable;
}

function variables(w: AdderWeights): Vars {
  return {
    V: tf.variable(tf.tensor2d(w.V, [2, H])),
    U: tf.variable(tf.tensor2d(w.U, [H, H])),
    W: tf.variable(tf.tensor2d(w.W, [H, 1])),
  };
}

/** Outputs [8, B, 1] for inputs [8, B, 2]. */
function forward(v: Vars, xs: tf.Tensor): tf.Tensor {
  let h: tf.Tensor = tf.zeros([xs.shape[1] ?? 1, H]);
  const outs: tf.Tensor[] = [];
  for (const x of tf.unstack(xs)) {
    h = tf.sigmoid(tf.add(tf.matMul(x, v.V), tf.matMul(h, v.U)));
    outs.push(tf.sigmoid(tf.matMul(h, v.W)));
  }
  return tf.stack(outs);
}

function inputs(data: AdderData): { xs: tf.Tensor[]; ys: tf.Tensor[] } {
  return {
    xs: data.xs.map((x) => tf.tensor3d(x, [ADDER_BITS, data.batch, 2])),
    ys: data.ys.map((y) => tf.tensor3d(y, [ADDER_BITS, data.batch, 1])),
  };
}

/** TensorFlow.js's adder training loop on the active backend. */
export function tfAdderTrainer(init: AdderWeights, data: AdderData): Trainer {
  const v = variables(init);
  const { xs, ys } = inputs(data);
  const optimizer = tf.train.sgd(ADDER_LR);
  const varList = [v.V, v.U, v.W];
  let last: tf.Scalar | null = null;
  return {
    step(i) {
      const k = i % xs.length;
      last?.dispose();
      last = tf.tidy(
        () =>
          optimizer.minimize(
            () => {
              const err = tf.sub(forward(v, xs[k]), ys[k]);
              return tf.mul(tf.sum(tf.square(err)), 0.5 / data.batch) as tf.Scalar;
            },
            true,
            varList,
          ) as tf.Scalar,
      );
    },
    loss: () => (last ? last.dataSync()[0] : Number.NaN),
    weights: () => ({
      V: v.V.dataSync().slice() as Float32Array,
      U: v.U.dataSync().slice() as Float32Array,
      W: v.W.dataSync().slice() as Float32Array,
    }),
    dispose() {
      last?.dispose();
      tf.dispose([...varList, ...xs, ...ys]);
      optimizer.dispose();
    },
  };
}

/** TensorFlow.js's adder forward pass (W5) on the active backend. */
export function tfAdderPredictor(init: AdderWeights, data: AdderData): Predictor {
  const v = variables(init);
  const { xs, ys } = inputs(data);
  return {
    predict(i) {
      const out = tf.tidy(() => forward(v, xs[i % xs.length]));
      const values = out.dataSync().slice();
      out.dispose();
      return values;
    },
    dispose() {
      tf.dispose([v.V, v.U, v.W, ...xs, ...ys]);
    },
  };
}
