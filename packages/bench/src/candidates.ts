// SPDX-License-Identifier: MIT
// Trainers and predictors (workloads/system.ts) as the suite's candidates: the check runs the
// first steps (or inputs) from the initial state, the timing keeps going from there.
import type { Candidate } from './suite.js';
import { lossTrajectory, predictions } from './trajectory.js';
import type { Predictor, Trainer } from './workloads/system.js';

/** A trainer whose check is the losses of its first `steps` steps. */
export function trainerCandidate(trainer: Trainer, steps: number): Candidate {
  return {
    checkValues: () => lossTrajectory(trainer, steps),
    run: (i) => trainer.step(i),
    // The loss is read back at the end of each repeat, inside the timed window.
    sync: () => void trainer.loss(),
    dispose: () => trainer.dispose(),
  };
}

/** A predictor whose check is its outputs for the first `inputs` inputs. */
export function predictorCandidate(predictor: Predictor, inputs: number): Candidate {
  return {
    checkValues: () => predictions(predictor, inputs),
    // Each call returns its outputs on the host, so there is nothing left to read back.
    run: (i) => void predictor.predict(i),
    sync: () => {},
    dispose: () => predictor.dispose(),
  };
}
