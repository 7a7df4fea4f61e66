// SPDX-License-Identifier: MIT
import { cond, InvalidArgumentError, type Tensor, where } from '@loom/core';
import type { GradientTransformation } from './base.js';
import { mapLike, zeroCount, zerosLikeTree } from './tree_util.js';

/** State of `multiSteps`. */
export interface MultiStepsState<S = unknown, P = unknown> {
  /** Gradients accumulated since the last inner step, 0…k−1 (int32). */
  miniStep: Tensor;
  /** Inner steps taken so far (int32). */
  gradientStep: Tensor;
  /** The running mean of the accumulated gradients. */
  accGrads: P;
  /** The wrapped optimizer's state, advanced only on every k-th call. */
  inner: S;
}

/**
 * Gradient accumulation (optax's MultiSteps): each call adds g to a running mean
 * ā ← ā + (g − ā)/(n + 1) (n = miniStep); on the k-th call the inner optimizer runs once on
 * ā (the mean of the last k gradients), its updates are emitted and the accumulator resets;
 * on the other calls the updates are zero and the inner state is untouched. The branch is a
 * `cond` on the state, so it stays traceable.
 */
export function multiSteps<S>(
  opt: GradientTransformation<S>,
  everyK: number,
): GradientTransformation<MultiStepsState<S>> {
  if (!Number.isInteger(everyK) || everyK < 1) {
    throw new InvalidArgumentError(`multiSteps: everyK must be a positive integer, got ${everyK}.`);
  }
  return {
    init: (params) => ({
      miniStep: zeroCount(),
      gradientStep: zeroCount(),
      accGrads: zerosLikeTree(params),
      inner: opt.init(params),
    }),
    update(u, state, params) {
      type U = typeof u;
      const n = state.miniStep;
      const acc = mapLike(
        (g, a) => a.add(g.sub(a).div(n.add(1).astype(a.dtype))),
        u,
        state.accGrads as U,
      );
      const emit = n.eq(everyK - 1);
      const [updates, inner] = cond(
        emit,
        (a: U, s: S, p: U | undefined) => opt.update(a, s, p),
        (a: U, s: S) => [zerosLikeTree(a), s] as [U, S],
        acc,
        state.inner,
        params,
      );
      // The counters and the accumulator reset with cheap selects; only the inner update,
      // whose state must not advance on accumulation steps, needs a real branch.
      const next: MultiStepsState<S> = {
        miniStep: where(emit, 0, n.add(1)),
        gradientStep: state.gradientStep.add(emit.astype('int32')),
        accGrads: mapLike((a) => where(emit, 0, a), acc),
        inner,
      };
      return [updates, next];
    },
  };
}
