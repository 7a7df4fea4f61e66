// SPDX-License-Identifier: MIT
// Ready-made optimizers (optax's alias.py): each is a chain of transformations ending in
// scaleByLearningRate, so the updates already include −lr and go straight to applyUpdates.
import * as E from 'fp-ts/lib/Either.js';
import { booleanOf, numberIn } from '../validate.js';
import { chain, type GradientTransformation } from './base.js';
import { type Mask, masked } from './masked.js';
import {
  ADAM_KEYS,
  adamChecks,
  checkLearningRate,
  checkOptions,
  momentumChecks,
  RMS_KEYS,
  RSS_KEYS,
  rmsChecks,
  rssChecks,
  ZERO_IN,
} from './options.js';
import type { ScalarOrSchedule } from './schedule.js';
import {
  type AdamState,
  addDecayedWeights,
  type EmptyState,
  type LrState,
  type ScaleByAdamOptions,
  type ScaleByRmsOptions,
  type ScaleByRssOptions,
  scaleByAdam,
  scaleByLearningRate,
  scaleByRms,
  scaleByRss,
  scaleByStddev,
  trace,
} from './transform.js';

/** Options of `sgd`. */
export interface SgdOptions {
  /** Momentum coefficient β (none by default). */
  momentum?: number;
  /** Nesterov momentum (needs `momentum`). */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent. Plain: u = −lr·g. With momentum β: m ← g + β·m, u = −lr·m.
 * With Nesterov: m ← g + β·m, u = −lr·(g + β·m). State: `[traceState?, lrState]`.
 * @example
 * const opt = sgd(0.1, { momentum: 0.9 });
 * let params = { w: tensor([1, -2]) };
 * const [updates, state] = opt.update({ w: tensor([0.5, 0.5]) }, opt.init(params), params);
 * params = applyUpdates(params, updates); // w − 0.1 · g on the first step: [0.95, −2.05]
 */
export function sgd(
  lr: ScalarOrSchedule,
  options: SgdOptions = {},
): GradientTransformation<unknown[]> {
  checkLearningRate('sgd', lr);
  checkOptions('sgd', options, ['momentum', 'nesterov'], momentumChecks('sgd'));
  if (options.momentum === undefined) return chain(scaleByLearningRate(lr));
  return chain(
    trace({ decay: options.momentum, nesterov: options.nesterov ?? false }),
    scaleByLearningRate(lr),
  );
}

/** Options of `rmsprop`. */
export interface RmspropOptions extends ScaleByRmsOptions {
  /** Use the centered variance ν − μ² (Graves 2013) instead of ν. */
  centered?: boolean;
  /** Optional momentum on the lr-scaled updates (after the learning rate, as optax). */
  momentum?: number;
  nesterov?: boolean;
}

/**
 * RMSProp (Tieleman & Hinton 2012) as optax.rmsprop: ν ← decay·ν + (1 − decay)·g² (ν₀ =
 * initialScale = 0), u = −lr·g/√(ν + eps) with eps INSIDE the square root by default
 * (`epsInSqrt: false` gives −lr·g/(√ν + eps), PyTorch's placement). Defaults decay 0.9,
 * eps 1e-8. `centered` replaces ν by ν − μ²; `momentum` β adds m ← u + β·m after the learning
 * rate (optax's order).
 * @example
 * const opt = chain(clipByGlobalNorm(1), rmsprop(1e-3));
 */
export function rmsprop(
  lr: ScalarOrSchedule,
  options: RmspropOptions = {},
): GradientTransformation<unknown[]> {
  checkLearningRate('rmsprop', lr);
  checkOptions('rmsprop', options, [...RMS_KEYS, 'centered', 'momentum', 'nesterov'], (o) => [
    ...rmsChecks('rmsprop')(o),
    ...momentumChecks('rmsprop')(o),
    () =>
      o.centered === undefined
        ? E.right(undefined)
        : E.map(() => undefined)(booleanOf('rmsprop', 'centered', o.centered)),
  ]);
  const { centered = false, momentum, nesterov = false, ...rms } = options;
  const scaling = centered ? scaleByStddev(rms) : scaleByRms(rms);
  if (momentum === undefined) return chain(scaling, scaleByLearningRate(lr));
  return chain(scaling, scaleByLearningRate(lr), trace({ decay: momentum, nesterov }));
}

/**
 * AdaGrad (Duchi et al. 2011) as optax.adagrad: s ← s + g² (s₀ = 0.1),
 * u = −lr·g/√(s + eps) with eps = 1e-7 INSIDE the square root.
 * @example
 * const opt = adagrad(1e-2);
 * const state = opt.init({ w: tensor([1, 2]) });
 */
export function adagrad(
  lr: ScalarOrSchedule,
  options: ScaleByRssOptions = {},
): GradientTransformation<[{ sumOfSquares: unknown }, LrState]> {
  checkLearningRate('adagrad', lr);
  checkOptions('adagrad', options, RSS_KEYS, rssChecks('adagrad'));
  return chain(scaleByRss(options), scaleByLearningRate(lr));
}

/**
 * Adam (Kingma & Ba 2015) as optax.adam: μ ← b1·μ + (1 − b1)·g, ν ← b2·ν + (1 − b2)·g²,
 * u = −lr·μ̂/(√(ν̂ + epsRoot) + eps) with μ̂ = μ/(1 − b1ᵗ), ν̂ = ν/(1 − b2ᵗ), t = 1 on the first
 * step; eps OUTSIDE the square root. Defaults b1 0.9, b2 0.999, eps 1e-8, epsRoot 0.
 * State: `[{count, mu, nu}, lrState]`.
 * @example
 * let params = { w: tensor([1, -2]) };
 * const opt = adam(1e-2);
 * let state = opt.init(params);
 * const loss = (p: typeof params) => sum(p.w.mul(p.w));
 * for (let i = 0; i < 100; i++) {
 *   const [updates, next] = opt.update(grad(loss)(params), state, params);
 *   params = applyUpdates(params, updates);
 *   state = next;
 * }
 */
export function adam(
  lr: ScalarOrSchedule,
  options: ScaleByAdamOptions = {},
): GradientTransformation<[AdamState, LrState]> {
  checkLearningRate('adam', lr);
  checkOptions('adam', options, ADAM_KEYS, adamChecks('adam'));
  return chain(scaleByAdam(options), scaleByLearningRate(lr));
}

/** Options of `adamw`. */
export interface AdamwOptions extends ScaleByAdamOptions {
  /** λ (default 1e-4, as optax). */
  weightDecay?: number;
  /**
   * Which parameters are decayed (as optax's `mask`): a boolean tree, a prefix of one, or a
   * function of the params. Masked-out parameters still get Adam's update, without decay.
   */
  mask?: Mask;
}

/**
 * AdamW (Loshchilov & Hutter 2019) as optax.adamw: decoupled weight decay added after Adam's
 * scaling and multiplied by the learning rate, u = −lr·(μ̂/(√(ν̂ + epsRoot) + eps) + λ·p).
 * `update` needs the params. `mask` limits the decay to some parameters (e.g. not biases).
 * @example const opt = adamw(1e-3, { weightDecay: 1e-2, mask: { w: true, b: false } });
 */
export function adamw(
  lr: ScalarOrSchedule,
  options: AdamwOptions = {},
): GradientTransformation<[AdamState, EmptyState, LrState]> {
  checkLearningRate('adamw', lr);
  checkOptions('adamw', options, [...ADAM_KEYS, 'weightDecay', 'mask'], (o) => [
    ...adamChecks('adamw')(o),
    () =>
      o.weightDecay === undefined
        ? E.right(undefined)
        : E.map(() => undefined)(numberIn('adamw', 'weightDecay', o.weightDecay, ZERO_IN)),
  ]);
  const { weightDecay = 1e-4, mask, ...adamOptions } = options;
  const decay = addDecayedWeights(weightDecay);
  return chain(
    scaleByAdam(adamOptions),
    mask === undefined ? decay : masked(decay, mask),
    scaleByLearningRate(lr),
  );
}
