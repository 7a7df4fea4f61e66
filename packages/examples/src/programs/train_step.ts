// SPDX-License-Identifier: MIT
import { jit, type Tensor, valueAndGrad } from '@loom/core';
import { applyUpdates, type GradientTransformation } from '@loom/nn';

/** One optimisation step: `(params, state, ...batch) -> [params, state, loss]`. */
export type TrainStep<P, S, B extends unknown[]> = (
  params: P,
  state: S,
  ...batch: B
) => [P, S, Tensor];

/**
 * The whole training step (loss, backpropagation, optimizer update, new parameters) as one
 * function, traced once and reused under `jit` unless `useJit` is false (`--no-jit`).
 */
export function trainStep<P, S, B extends unknown[]>(
  loss: (params: P, ...batch: B) => Tensor,
  optimizer: GradientTransformation<S>,
  useJit: boolean,
): TrainStep<P, S, B> {
  const valueAndGradient = valueAndGrad(loss);
  const step: TrainStep<P, S, B> = (params, state, ...batch) => {
    const [value, grads] = valueAndGradient(params, ...batch);
    const [updates, next] = optimizer.update(grads, state, params);
    return [applyUpdates(params, updates as P), next, value];
  };
  return useJit ? jit(step) : step;
}

/** `f` under jit unless `useJit` is false. */
export function maybeJit<A extends unknown[], R>(
  f: (...args: A) => R,
  useJit: boolean,
): (...args: A) => R {
  return useJit ? jit(f) : f;
}
