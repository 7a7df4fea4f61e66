// SPDX-License-Identifier: MIT
// The hand-written baselines compute the same functions as Loom (float32, to about 1e-5), so
// the bench's ratios compare like with like. TensorFlow.js is checked by the bench run itself.

import { grad } from '@loom/core';
import { describe, expect, it } from 'vitest';
import type { Predictor, Trainer, Weights } from './workloads/system.js';
import { adderData, adderWeights } from './workloads/w1_adder.js';
import { handAdderPredictor, handAdderTrainer } from './workloads/w1_hand.js';
import { loomAdderPredictor, loomAdderTrainer } from './workloads/w1_loom.js';
import { handSineSquareTrainer } from './workloads/w2_hand.js';
import {
  loomSineSquareTrainer,
  sineSquareLoss,
  sineSquareParams,
  sineSquareTensors,
} from './workloads/w2_loom.js';
import { sineSquareData, sineSquareWeights } from './workloads/w2_sine_square.js';

const TOL = 1e-5;

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(d <= TOL)) expect.fail(`${what}[${i}]: ${actual[i]} against ${expected[i]}`);
  }
}

/** Steps both trainers in lockstep, comparing the loss at every step and the final weights. */
function expectSameTraining(hand: Trainer, loom: Trainer, steps: number) {
  for (let i = 0; i < steps; i++) {
    hand.step(i);
    loom.step(i);
    expectClose([hand.loss()], [loom.loss()], `loss at step ${i}`);
  }
  const h: Weights = hand.weights();
  const l: Weights = loom.weights();
  expect(Object.keys(h).sort()).toEqual(Object.keys(l).sort());
  for (const name of Object.keys(l)) expectClose(h[name], l[name], name);
}

function expectSameOutputs(hand: Predictor, loom: Predictor, inputs: number) {
  for (let i = 0; i < inputs; i++)
    expectClose(Array.from(hand.predict(i)), Array.from(loom.predict(i)), `outputs of input ${i}`);
}

describe('W1: the binary adder', () => {
  const init = adderWeights(1);

  it('hand-written SGD steps match Loom eager, batch 1 (W1)', () => {
    const data = adderData(1, 8, 1);
    expectSameTraining(
      handAdderTrainer(init, data),
      loomAdderTrainer(init, data, { jit: false }),
      8,
    );
  });

  it('hand-written SGD steps match Loom eager on the batch mean, batch 64 (W1b)', () => {
    const data = adderData(64, 4, 2);
    expectSameTraining(
      handAdderTrainer(init, data),
      loomAdderTrainer(init, data, { jit: false }),
      4,
    );
  });

  it('the hand-written forward pass matches Loom (W5)', () => {
    const data = adderData(1, 8, 3);
    expectSameOutputs(
      handAdderPredictor(init, data),
      loomAdderPredictor(init, data, { jit: false }),
      8,
    );
  });

  it('does not update the initial weights it was given', () => {
    const data = adderData(1, 2, 1);
    const before = init.U.slice();
    const hand = handAdderTrainer(init, data);
    hand.step(0);
    expect(init.U).toEqual(before);
    expect(hand.weights().U).not.toEqual(before);
  });
});

describe('W2: sine vs square', () => {
  it('hand-written Adam steps match Loom eager', () => {
    const init = sineSquareWeights(4);
    const data = sineSquareData(3, 4);
    expectSameTraining(
      handSineSquareTrainer(init, data),
      loomSineSquareTrainer(init, data, { jit: false }),
      4,
    );
  });

  it('hand-written gradients match Loom grad', () => {
    const init = sineSquareWeights(5);
    const data = sineSquareData(1, 5);
    const hand = handSineSquareTrainer(init, data);
    hand.step(0);
    const { xs, ys } = sineSquareTensors(data);
    const g = grad(sineSquareLoss)(sineSquareParams(init), xs[0], ys[0]);
    const loom: Weights = {
      wx: g.cell.wx.data() as Float32Array,
      wh: g.cell.wh.data() as Float32Array,
      b: g.cell.b.data() as Float32Array,
      w1: g.fc1.w.data() as Float32Array,
      b1: g.fc1.b!.data() as Float32Array,
      w2: g.fc2.w.data() as Float32Array,
      b2: g.fc2.b!.data() as Float32Array,
    };
    const h = hand.gradients();
    for (const name of Object.keys(loom)) expectClose(h[name], loom[name], `gradient of ${name}`);
  });
});
