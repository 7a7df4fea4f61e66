// SPDX-License-Identifier: MIT
// The computational-graph tutorial's classifier of noisy sine and square waves: a ReLU RNN read
// out by dense hidden→6 ReLU and 6→2, softmax cross-entropy. Browser-safe: the CLI program and
// the live training page both train this model.
import { argmax, random, relu, type Tensor } from '@loom/core';
import {
  type LinearParams,
  linear,
  makeRnnCell,
  type RnnParams,
  rnn,
  softmaxCrossEntropy,
} from '@loom/nn';

/** The classifier's weights: the recurrent cell and two dense layers. */
export type WaveParams = { cell: RnnParams; fc1: LinearParams; fc2: LinearParams };

/** The tutorial's hidden size. */
export const WAVE_HIDDEN = 12;
/** Channels per time step of the sine-square data. */
export const WAVE_FEATURES = 16;

const cell = makeRnnCell({ activation: 'relu' });

/** Initial weights from one seed. */
export function initWaves(seed: number, hidden: number = WAVE_HIDDEN): WaveParams {
  const [k1, k2, k3] = random.split(random.key(seed), 3);
  return {
    cell: cell.init(k1, { inFeatures: WAVE_FEATURES, hiddenSize: hidden }),
    fc1: linear.init(k2, { inFeatures: hidden, outFeatures: 6 }),
    fc2: linear.init(k3, { inFeatures: 6, outFeatures: 2 }),
  };
}

/** Logits [B, 2] for sequences x [B, T, F]: the last hidden state goes through two dense layers. */
export function waveLogits(p: WaveParams, x: Tensor): Tensor {
  const config = { inFeatures: x.shape[2], hiddenSize: p.fc1.w.shape[0] };
  const { carry } = rnn(cell, p.cell, x, cell.initialCarry(config, x.shape[0]));
  return linear.apply(p.fc2, relu(linear.apply(p.fc1, carry)));
}

/** Softmax cross-entropy against one-hot labels [B, 2]. */
export function waveLoss(p: WaveParams, x: Tensor, y: Tensor): Tensor {
  return softmaxCrossEntropy(waveLogits(p, x), y);
}

/** Loss and predicted classes [B] (int32) on a labelled set. */
export function evaluateWaves(
  p: WaveParams,
  x: Tensor,
  yOneHot: Tensor,
): { loss: Tensor; predicted: Tensor } {
  const z = waveLogits(p, x);
  return { loss: softmaxCrossEntropy(z, yOneHot), predicted: argmax(z, 1) };
}
