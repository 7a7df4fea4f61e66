// SPDX-License-Identifier: MIT
import { maximum, sqrt } from '@loom/core';
import { chain, type GradientTransformation } from './base.js';
import { ADAM_KEYS, adamChecks, checkLearningRate, checkOptions } from './options.js';
import type { ScalarOrSchedule } from './schedule.js';
import {
  type AdamState,
  adamMoments,
  type LrState,
  type ScaleByAdamOptions,
  scaleByAdam,
  scaleByLearningRate,
} from './transform.js';
import { checkStateLike, mapLike, zerosLikeTree } from './tree_util.js';

/** State of AMSGrad: Adam's (the step count and both moments) and the running maximum of ν̂. */
export interface AmsgradState<P = unknown> extends AdamState<P> {
  nuMax: P;
}

/**
 * AMSGrad scaling (Reddi et al. 2018), as optax's scale_by_amsgrad: Adam's moments and bias
 * corrections, then ν̂max ← max(ν̂max, ν̂) and u = μ̂ / (√(ν̂max + epsRoot) + eps), so the
 * per-parameter step size never grows. (PyTorch's `amsgrad=True` takes the maximum of the
 * uncorrected ν instead; the two differ in the first steps.)
 */
export function scaleByAmsgrad<P = unknown>(
  options: ScaleByAdamOptions = {},
): GradientTransformation<AmsgradState<P>> {
  checkOptions('scaleByAmsgrad', options, ADAM_KEYS, adamChecks('scaleByAmsgrad'));
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 } = options;
  return {
    init: (params) => ({
      ...scaleByAdam<P>().init(params),
      nuMax: zerosLikeTree(params) as unknown as P,
    }),
    update(u, state) {
      checkStateLike('scaleByAmsgrad', 'state.nuMax', state.nuMax, u);
      const { count, mu, nu, muHat, nuHat } = adamMoments('scaleByAmsgrad', u, state, b1, b2);
      const nuMax = mapLike(maximum, state.nuMax as unknown as typeof u, nuHat);
      const out = mapLike((m, nm) => m.div(sqrt(nm.add(epsRoot)).add(eps)), muHat, nuMax);
      const next = { count, mu, nu, nuMax } as unknown as AmsgradState<P>;
      return [out, next];
    },
  };
}

/**
 * AMSGrad as optax.amsgrad: `chain(scaleByAmsgrad(options), scaleByLearningRate(lr))`.
 * Defaults b1 0.9, b2 0.999, eps 1e-8, epsRoot 0.
 * @example const opt = amsgrad(1e-3);
 */
export function amsgrad(
  lr: ScalarOrSchedule,
  options: ScaleByAdamOptions = {},
): GradientTransformation<[AmsgradState, LrState]> {
  checkLearningRate('amsgrad', lr);
  checkOptions('amsgrad', options, ADAM_KEYS, adamChecks('amsgrad'));
  return chain(scaleByAmsgrad(options), scaleByLearningRate(lr));
}
