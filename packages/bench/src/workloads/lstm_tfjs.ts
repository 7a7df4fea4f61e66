// SPDX-License-Identifier: MIT
// W3 and W4 in TensorFlow.js, as its users write an LSTM by hand: the cell from tf ops, the time
// loop in JavaScript, gradients by the tape behind optimizer.minimize, tf.train.adam/sgd, each
// step in tf.tidy. Runs on whichever backend is active.
import * as tf from '@tensorflow/tfjs';
import { LSTM_ADAM, type LstmData, type LstmTask, type LstmWeights } from './lstm_task.js';
import type { Trainer } from './system.js';

export function tfLstmTrainer(task: LstmTask, init: LstmWeights, data: LstmData): Trainer {
  const { inFeatures: V, hidden: H, batch: B, seq: T } = task;
  const shapes: Record<string, [number] | [number, number]> = {
    wx: [V, 4 * H],
    wh: [H, 4 * H],
    b: [4 * H],
    ...(task.kind === 'char' ? { wo: [H, V], bo: [V] } : {}),
  };
  const names = Object.keys(shapes);
  const v = Object.fromEntries(
    names.map((n) => [n, tf.variable(tf.tensor(init[n], shapes[n]))]),
  ) as Record<string, tf.Variable>;
  const varList = names.map((n) => v[n]);
  const xs = data.xs.map((x) => tf.tensor3d(x, [T, B, V]));
  // Targets flattened to [T·B, vocab], the rows of the stacked logits.
  const ys = data.ys.map((y) => tf.tensor2d(y, [T * B, V]));
  const optimizer =
    task.kind === 'char'
      ? tf.train.adam(task.lr, LSTM_ADAM.b1, LSTM_ADAM.b2, LSTM_ADAM.eps)
      : tf.train.sgd(task.lr);
  const loss = (k: number): tf.Scalar => {
    let h: tf.Tensor = tf.zeros([B, H]);
    let c: tf.Tensor = tf.zeros([B, H]);
    const hs: tf.Tensor[] = [];
    for (const xt of tf.unstack(xs[k])) {
      const z = tf.add(tf.add(tf.matMul(xt, v.wx), tf.matMul(h, v.wh)), v.b);
      const [zi, zf, zg, zo] = tf.split(z, 4, 1);
      c = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zg)));
      h = tf.mul(tf.sigmoid(zo), tf.tanh(c));
      hs.push(h);
    }
    if (task.kind === 'last-h') return tf.mean(h) as tf.Scalar;
    const logits = tf.add(tf.matMul(tf.concat(hs, 0), v.wo), v.bo);
    return tf.losses.softmaxCrossEntropy(ys[k], logits) as tf.Scalar;
  };
  let last: tf.Scalar | null = null;
  return {
    step(i) {
      const k = i % xs.length;
      last?.dispose();
      last = tf.tidy(() => optimizer.minimize(() => loss(k), true, varList) as tf.Scalar);
    },
    loss: () => (last ? last.dataSync()[0] : Number.NaN),
    weights: () =>
      Object.fromEntries(names.map((n) => [n, v[n].dataSync().slice() as Float32Array])),
    dispose() {
      last?.dispose();
      tf.dispose([...varList, ...xs, ...ys]);
      optimizer.dispose();
    },
  };
}
