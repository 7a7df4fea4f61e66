// SPDX-License-Identifier: MIT
// The hand-written baselines compute the same functions as Loom (float32, to about 1e-5), so
// the bench's ratios compare like with like; so do the GEMM kernel (against float64) and the
// TensorFlow.js LSTMs of W3/W4 (at tiny sizes, on its cpu backend: the same code as on wasm).
// The other TensorFlow.js workloads are checked by the bench run itself.

import { grad } from '@loom/core';
import { describe, expect, it } from 'vitest';
import { gemmError, gemmOperands, gemmReference, handGemm, loomGemm } from './workloads/gemm.js';
import { PackedGemm } from './workloads/gemm_hand.js';
import { loomLstmTrainer } from './workloads/lstm_loom.js';
import {
  type LstmTask,
  lstmData,
  lstmStepFlops,
  lstmWeights,
  W4_TASK,
} from './workloads/lstm_task.js';
import { tfLstmTrainer } from './workloads/lstm_tfjs.js';
import type { Predictor, Trainer, Weights } from './workloads/system.js';
import { useTfBackend } from './workloads/tfjs_backend.js';
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

describe('GEMM: the hand-written packed kernel and Loom against float64', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [3, 17, 5],
    [17, 3, 63],
    [65, 9, 257],
    [6, 66, 300],
  ];
  for (const [m, n, k] of sizes) {
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`[${m}, ${k}] · [${k}, ${n}], transA ${transA}, transB ${transB}`, () => {
        const ops = gemmOperands({ m, n, k, transA, transB }, m * 1000 + n + k);
        const ref = gemmReference(ops);
        const hand = handGemm(ops);
        hand.run();
        expect(gemmError(hand.result(), ref)).toBeLessThan(1e-6);
        if (transA && transB) return; // Loom's GEMM cases transpose one operand at most.
        const loom = loomGemm(ops, 'eager');
        if (typeof loom === 'string') return expect.fail(loom);
        loom.run();
        expect(gemmError(loom.result(), ref)).toBeLessThan(1e-5);
      });
    }
  }

  it('the float64 reference is the textbook product', () => {
    // [[1, 2], [3, 4]] · [[5, 6], [7, 8]] = [[19, 22], [43, 50]]; A given transposed.
    const ref = gemmReference({
      shape: { m: 2, n: 2, k: 2, transA: true, transB: false },
      a: new Float32Array([1, 3, 2, 4]),
      b: new Float32Array([5, 6, 7, 8]),
    });
    expect(Array.from(ref.c)).toEqual([19, 22, 43, 50]);
    expect(Array.from(ref.scale)).toEqual([19, 22, 43, 50]);
    expect(gemmError([19, 22, 43, 51], ref)).toBeCloseTo(1 / 50, 12);
  });

  it('reuses one workspace for smaller products and rejects larger ones', () => {
    const gemm = new PackedGemm(8, 8, 8);
    const small = gemmOperands({ m: 5, n: 3, k: 7, transA: false, transB: true }, 9);
    const c = new Float32Array(15);
    gemm.run(small.a, small.b, c, small.shape);
    expect(gemmError(c, gemmReference(small))).toBeLessThan(1e-6);
    const big = gemmOperands({ m: 9, n: 2, k: 2, transA: false, transB: false }, 9);
    expect(() => gemm.run(big.a, big.b, new Float32Array(18), big.shape)).toThrow(
      /\[9, 2\] · \[2, 2\] exceeds the workspace \[8, 8\] · \[8, 8\]/,
    );
  });
});

describe('W3 and W4 at tiny sizes: Loom and TensorFlow.js train alike', () => {
  const tiny: LstmTask[] = [
    { kind: 'char', inFeatures: 7, hidden: 5, batch: 3, seq: 4, lr: 2e-2 },
    { kind: 'last-h', inFeatures: 6, hidden: 5, batch: 3, seq: 4, lr: 1e-1 },
  ];
  for (const task of tiny) {
    it(`${task.kind === 'char' ? 'W3 (one-hot, Adam)' : 'W4 (last h, SGD)'}: eager, jit js and tfjs cpu`, async () => {
      expect(await useTfBackend('cpu')).toBeNull();
      const init = lstmWeights(task, 7);
      const data = lstmData(task, 2, 7);
      const trainer = (mode: 'eager' | 'js') => {
        const t = loomLstmTrainer(task, init, data, mode);
        if (typeof t === 'string') throw new Error(t);
        return t;
      };
      const eager = trainer('eager');
      const tfjs = tfLstmTrainer(task, init, data);
      try {
        expectSameTraining(eager, tfjs, 3);
        expectSameTraining(trainer('eager'), trainer('js'), 3);
      } finally {
        tfjs.dispose();
      }
    });
  }

  it('W3 batches are one-hot windows of the corpus, targets shifted by one step', () => {
    const task: LstmTask = { kind: 'char', inFeatures: 65, hidden: 4, batch: 2, seq: 5, lr: 1 };
    const { xs, ys } = lstmData(task, 1, 3);
    const ids = (a: Float32Array) =>
      Array.from({ length: task.seq * task.batch }, (_, r) => {
        const row = Array.from(a.subarray(r * 65, (r + 1) * 65));
        expect(row.reduce((s, v) => s + v, 0)).toBe(1);
        return row.indexOf(1);
      });
    const x = ids(xs[0]);
    const y = ids(ys[0]);
    // Time-major: row t * B + b. The target at step t is the input at step t + 1.
    for (let t = 0; t + 1 < task.seq; t++) {
      for (let b = 0; b < task.batch; b++)
        expect(y[t * task.batch + b]).toBe(x[(t + 1) * task.batch + b]);
    }
  });

  it('counts the flops of W4 as 3× its forward matrix products', () => {
    // Per step and example: x·wx (2·128·2048) + h·wh (2·512·2048), 64 steps, batch 64.
    expect(lstmStepFlops(W4_TASK)).toBe(3 * 64 * 64 * (2 * 128 * 2048 + 2 * 512 * 2048));
  });
});
