// SPDX-License-Identifier: MIT
import { jit, type Tensor } from '@loom/core';
import { type AdditionExample, binaryAddition } from '@loom/datasets';
import { saveCheckpoint, sgd } from '@loom/nn';
import {
  ADDER_BITS,
  adderEvaluationSeed,
  adderLoss,
  evaluateAdder,
  initAdder,
} from '../../../examples/src/models/adder.js';
import { trainStep } from '../../../examples/src/programs/train_step.js';
import type { TrainConfig } from '../protocol.js';
import { reportLowering, type Session } from './session.js';

/** How many of the fresh sums the page shows. */
const SHOWN_SUMS = 4;

/** The binary adder: one example per step, exact sums on 1000 fresh pairs. */
export function adderSession(config: TrainConfig): Session {
  const { learningRate = 0.1, hidden = 16 } = config.hyper;
  let params = initAdder(config.seed, hidden);
  const optimizer = sgd(learningRate);
  let state = optimizer.init(params);
  const step = jit(trainStep(adderLoss, optimizer, false));
  const stream = binaryAddition({ bits: ADDER_BITS, seed: config.seed }).examples();
  const batchOf = (ex: AdditionExample): [Tensor, Tensor] => [
    ex.inputs.reshape([1, ADDER_BITS, 2]),
    ex.targets.reshape([1, ADDER_BITS, 1]),
  ];
  const first = batchOf(stream.next().value);
  let pending: [Tensor, Tensor] | undefined = first;
  return {
    step() {
      const [xs, targets] = pending ?? batchOf(stream.next().value);
      pending = undefined;
      const [nextParams, nextState, loss] = step(params, state, xs, targets);
      params = nextParams;
      state = nextState;
      return loss.item();
    },
    evaluate() {
      const { accuracy, sums } = evaluateAdder(params, adderEvaluationSeed(config.seed), 1000);
      const samples = sums
        .slice(0, SHOWN_SUMS)
        .map((s) => `${s.a} + ${s.b} = ${s.predicted} ${s.predicted === s.c ? '✓' : `✗ (${s.c})`}`);
      return { accuracy, samples };
    },
    lowering: () =>
      reportLowering(step.lower(params, state, ...first), 'binary adder: training step'),
    checkpoint: () =>
      saveCheckpoint(params, {
        example: 'binary-addition',
        seed: String(config.seed),
        hidden: String(hidden),
      }),
  };
}
