// SPDX-License-Identifier: MIT
import { jit, mean, type Tensor } from '@loom/core';
import { batches, SINE_SQUARE_CLASSES, sineSquare } from '@loom/datasets';
import { adam, saveCheckpoint } from '@loom/nn';
import { evaluateWaves, initWaves, waveLoss } from '../../../examples/src/models/sine_square.js';
import { trainStep } from '../../../examples/src/programs/train_step.js';
import type { TrainConfig } from '../protocol.js';
import { reportLowering, type Session } from './session.js';

const SHOWN_WAVES = 4;

/** Sine vs square: batches of 16 over shuffled epochs, accuracy on the test split. */
export function wavesSession(config: TrainConfig): Session {
  const { learningRate = 0.005, hidden = 12 } = config.hyper;
  const data = sineSquare({ seed: config.seed });
  let params = initWaves(config.seed, hidden);
  const optimizer = adam(learningRate);
  let state = optimizer.init(params);
  const step = jit(trainStep(waveLoss, optimizer, false));
  const evaluate = jit(evaluateWaves);
  const train = batches(
    { x: data.train.x, y: data.train.yOneHot },
    { batchSize: 16, shuffle: true, seed: config.seed },
  ).epochs();
  const nextBatch = (): [Tensor, Tensor] => {
    const next = train.next();
    if (next.done) throw new Error('sine-square: the endless epoch stream ended');
    return [next.value.batch.x, next.value.batch.y];
  };
  let pending: [Tensor, Tensor] | undefined = nextBatch();
  const first = pending;
  return {
    step() {
      const [x, y] = pending ?? nextBatch();
      pending = undefined;
      const [nextParams, nextState, loss] = step(params, state, x, y);
      params = nextParams;
      state = nextState;
      return loss.item();
    },
    evaluate() {
      const { predicted } = evaluate(params, data.test.x, data.test.yOneHot);
      const accuracy = mean(predicted.eq(data.test.y)).item();
      const guesses = predicted.data();
      const truth = data.test.y.data();
      const samples = Array.from({ length: SHOWN_WAVES }, (_, i) => {
        const said = SINE_SQUARE_CLASSES[guesses[i]];
        const was = SINE_SQUARE_CLASSES[truth[i]];
        return `test wave ${i}: ${said} ${said === was ? '✓' : `✗ (${was})`}`;
      });
      return { accuracy, samples };
    },
    lowering: () =>
      reportLowering(step.lower(params, state, ...first), 'sine vs square: training step'),
    checkpoint: () =>
      saveCheckpoint(params, {
        example: 'sine-square',
        seed: String(config.seed),
        hidden: String(hidden),
      }),
  };
}
