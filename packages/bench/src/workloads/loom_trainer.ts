// SPDX-License-Identifier: MIT
// The training loop every Loom workload shares: a pure step over (params, optimizer state, batch),
// called as is (eager) or under jit, cycling through pre-built batches.
import { jit, type Tensor } from '@loom/core';
import type { Trainer, Weights } from './system.js';

/** A pure training step `(params, state, xs, ys) => [params', state', loss]`. */
export type Step<P, S> = (params: P, state: S, xs: Tensor, ys: Tensor) => [P, S, Tensor];

export function loomTrainer<P, S>(
  step: Step<P, S>,
  init: { params: P; state: S },
  batches: { xs: Tensor[]; ys: Tensor[] },
  weightsOf: (params: P) => Weights,
  options: { jit: boolean; backend?: 'js' | 'wasm' },
): Trainer {
  const run = options.jit ? jit(step, { backend: options.backend ?? 'auto' }) : step;
  return loomTrainerWith(run, init, batches, weightsOf);
}

/** The same loop around a step that is already wrapped (e.g. `jit(step, { backend })`). */
export function loomTrainerWith<P, S>(
  run: Step<P, S>,
  init: { params: P; state: S },
  batches: { xs: Tensor[]; ys: Tensor[] },
  weightsOf: (params: P) => Weights,
): Trainer {
  const { xs, ys } = batches;
  let { params, state } = init;
  let last: Tensor | undefined;
  return {
    step(i) {
      const k = i % xs.length;
      [params, state, last] = run(params, state, xs[k], ys[k]);
    },
    loss: () => last?.item() ?? Number.NaN,
    weights: () => weightsOf(params),
    dispose() {},
  };
}
