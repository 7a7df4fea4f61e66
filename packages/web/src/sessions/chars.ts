// SPDX-License-Identifier: MIT
import { jit, random, type Tensor } from '@loom/core';
import { charCorpus, defaultCorpus } from '@loom/datasets';
import { adam, chain, clipByGlobalNorm, saveCheckpoint } from '@loom/nn';
import { charModel } from '../../../examples/src/models/char_rnn.js';
import { trainStep } from '../../../examples/src/programs/train_step.js';
import type { TrainConfig } from '../protocol.js';
import { reportLowering, type Session } from './session.js';

const BATCH = 16;
const SEQ = 32;
const SAMPLE_LENGTH = 80;

/** char-rnn: an LSTM on the generated corpus; samples text at temperature 0.8. */
export function charsSession(config: TrainConfig): Session {
  const { learningRate = 0.002, hidden = 128 } = config.hyper;
  const model = charModel(charCorpus(defaultCorpus({ seed: config.seed })), { hidden });
  let params = model.init(config.seed);
  const optimizer = chain(clipByGlobalNorm(5), adam(learningRate));
  let state = optimizer.init(params);
  const step = jit(trainStep(model.loss, optimizer, false));
  const sample = model.sampler(true);
  const stream = model.corpus.windowStream({ batchSize: BATCH, seqLen: SEQ, seed: config.seed });
  let pending: Tensor | undefined = stream.next().value;
  const first = pending;
  let steps = 0;
  return {
    step() {
      const windows = pending ?? stream.next().value;
      pending = undefined;
      const [nextParams, nextState, loss] = step(params, state, windows);
      params = nextParams;
      state = nextState;
      steps++;
      return loss.item();
    },
    evaluate: () => ({
      accuracy: null,
      samples: [sample(params, random.key(steps), SAMPLE_LENGTH, 0.8)],
    }),
    lowering: () => reportLowering(step.lower(params, state, first), 'char-rnn: training step'),
    checkpoint: () =>
      saveCheckpoint(params, {
        example: 'char-rnn',
        seed: String(config.seed),
        hidden: String(hidden),
      }),
  };
}
