// SPDX-License-Identifier: MIT
// The building blocks of the optimizers (optax's transform.py). Each is documented with its
// exact rule; g is the incoming update, t the step count after increment (1 on the first step).
import { InvalidArgumentError, pow, rsqrt, sqrt, type Tensor, where } from '@loom/core';
import * as E from 'fp-ts/lib/Either.js';
import { booleanOf, finite, numberIn, orThrow } from '../validate.js';
import type { GradientTransformation } from './base.js';
import {
  ADAM_KEYS,
  adamChecks,
  checkCoefficient,
  checkLearningRate,
  checkOptions,
  ONE_OUT,
  RMS_KEYS,
  RSS_KEYS,
  rmsChecks,
  rssChecks,
  ZERO_IN,
} from './options.js';
import type { ScalarOrSchedule, ScheduleFn } from './schedule.js';
import {
  checkCount,
  checkStateLike,
  fullLike,
  mapLike,
  updateMoment,
  zeroCount,
  zerosLikeTree,
} from './tree_util.js';

/** The state of a stateless transformation. */
export type EmptyState = Record<string, never>;

const empty = (): EmptyState => ({});

/** Passes updates through unchanged. */
export function identity(): GradientTransformation<EmptyState> {
  return { init: empty, update: (u, s) => [u, s] };
}

/** Replaces every update with zeros (freezes whatever it is applied to). */
export function setToZero(): GradientTransformation<EmptyState> {
  return { init: empty, update: (u, s) => [zerosLikeTree(u), s] };
}

/** u = factor · g. */
export function scale(factor: number): GradientTransformation<EmptyState> {
  orThrow(finite('scale', 'factor', factor));
  return { init: empty, update: (u, s) => [mapLike((g) => g.mul(factor), u), s] };
}

/** State of transformations that only count steps. */
export interface CountState {
  count: Tensor;
}

/**
 * u = schedule(count) · g, where count is the number of updates made so far (0 on the first
 * call, as optax's scale_by_schedule).
 */
export function scaleBySchedule(schedule: ScheduleFn): GradientTransformation<CountState> {
  return {
    init: () => ({ count: zeroCount() }),
    update(u, state) {
      checkCount('scaleBySchedule', state.count);
      const v = schedule(state.count);
      return [mapLike((g) => g.mul(v.astype(g.dtype)), u), { count: state.count.add(1) }];
    },
  };
}

/** The state of `scaleByLearningRate`: empty for a constant, a count for a schedule. */
export type LrState = EmptyState | CountState;

/**
 * u = −lr · g (descent: the minus sign lives here, so the result goes straight to
 * `applyUpdates`). With `flipSign: false`, u = lr · g. A schedule is evaluated on the count.
 */
export function scaleByLearningRate(
  lr: ScalarOrSchedule,
  options: { flipSign?: boolean } = {},
): GradientTransformation<LrState> {
  checkLearningRate('scaleByLearningRate', lr);
  checkOptions('scaleByLearningRate', options, ['flipSign'], (o) => [
    () =>
      o.flipSign === undefined
        ? E.right(undefined)
        : E.map(() => undefined)(booleanOf('scaleByLearningRate', 'flipSign', o.flipSign)),
  ]);
  const sign = options.flipSign === false ? 1 : -1;
  if (typeof lr === 'number') return scale(sign * lr);
  return scaleBySchedule((count) => lr(count).mul(sign));
}

/** Options of `trace`. */
export interface TraceOptions {
  decay: number;
  nesterov?: boolean;
}

/**
 * Momentum (optax's trace): m ← g + decay·m; u = m, or with Nesterov u = g + decay·m (using the
 * new m). m starts at 0.
 */
export function trace<P = unknown>(options: TraceOptions): GradientTransformation<{ trace: P }> {
  checkOptions('trace', options, ['decay', 'nesterov'], (o) => [
    () => E.map(() => undefined)(numberIn('trace', 'decay', o.decay, ZERO_IN, ONE_OUT)),
    () =>
      o.nesterov === undefined
        ? E.right(undefined)
        : E.map(() => undefined)(booleanOf('trace', 'nesterov', o.nesterov)),
  ]);
  const { decay, nesterov = false } = options;
  return {
    init: (params) => ({ trace: zerosLikeTree(params) as unknown as P }),
    update(u, state) {
      checkStateLike('trace', 'state.trace', state.trace, u);
      const m = mapLike((g, t) => g.add(t.mul(decay)), u, state.trace as unknown as typeof u);
      const out = nesterov ? mapLike((g, t) => g.add(t.mul(decay)), u, m) : m;
      return [out, { trace: m as unknown as P }];
    },
  };
}

/** Options of `scaleByRms`. */
export interface ScaleByRmsOptions {
  /** Decay of the moving average of g² (default 0.9). */
  decay?: number;
  /** Default 1e-8. */
  eps?: number;
  /** ν₀ (default 0). */
  initialScale?: number;
  /**
   * Where eps goes. true (default, as optax): u = g / √(ν + eps). false: u = g / (√ν + eps)
   * (PyTorch's RMSprop).
   */
  epsInSqrt?: boolean;
}

/**
 * RMS scaling (optax's scale_by_rms): ν ← decay·ν + (1 − decay)·g²;
 * u = g / √(ν + eps) (epsInSqrt, the default) or g / (√ν + eps). No bias correction.
 */
export function scaleByRms<P = unknown>(
  options: ScaleByRmsOptions = {},
): GradientTransformation<{ nu: P }> {
  checkOptions('scaleByRms', options, RMS_KEYS, rmsChecks('scaleByRms'));
  const { decay = 0.9, eps = 1e-8, initialScale = 0, epsInSqrt = true } = options;
  return {
    init: (params) => ({ nu: fullLike(params, initialScale) as unknown as P }),
    update(u, state) {
      checkStateLike('scaleByRms', 'state.nu', state.nu, u);
      const nu = updateMoment(u, state.nu as unknown as typeof u, decay, 2);
      const out = mapLike(
        (g, n) => (epsInSqrt ? g.mul(rsqrt(n.add(eps))) : g.div(sqrt(n).add(eps))),
        u,
        nu,
      );
      return [out, { nu: nu as unknown as P }];
    },
  };
}

/**
 * Centered RMS scaling (optax's scale_by_stddev): μ ← decay·μ + (1 − decay)·g,
 * ν ← decay·ν + (1 − decay)·g²; u = g / √(ν − μ² + eps) or g / (√(ν − μ²) + eps).
 */
export function scaleByStddev<P = unknown>(
  options: ScaleByRmsOptions = {},
): GradientTransformation<{ mu: P; nu: P }> {
  checkOptions('scaleByStddev', options, RMS_KEYS, rmsChecks('scaleByStddev'));
  const { decay = 0.9, eps = 1e-8, initialScale = 0, epsInSqrt = true } = options;
  return {
    init: (params) => ({
      mu: zerosLikeTree(params) as unknown as P,
      nu: fullLike(params, initialScale) as unknown as P,
    }),
    update(u, state) {
      checkStateLike('scaleByStddev', 'state.mu', state.mu, u);
      checkStateLike('scaleByStddev', 'state.nu', state.nu, u);
      const mu = updateMoment(u, state.mu as unknown as typeof u, decay, 1);
      const nu = updateMoment(u, state.nu as unknown as typeof u, decay, 2);
      const out = mapLike(
        (g, m, n) => {
          const variance = n.sub(m.mul(m));
          return epsInSqrt ? g.mul(rsqrt(variance.add(eps))) : g.div(sqrt(variance).add(eps));
        },
        u,
        mu,
        nu,
      );
      return [out, { mu: mu as unknown as P, nu: nu as unknown as P }];
    },
  };
}

/** Options of `scaleByRss` (AdaGrad). */
export interface ScaleByRssOptions {
  /** s₀ (default 0.1, as optax). */
  initialAccumulatorValue?: number;
  /** Default 1e-7. */
  eps?: number;
}

/**
 * AdaGrad scaling (optax's scale_by_rss): s ← s + g²; u = g / √(s + eps) where s > 0, else 0
 * (eps inside the square root).
 */
export function scaleByRss<P = unknown>(
  options: ScaleByRssOptions = {},
): GradientTransformation<{ sumOfSquares: P }> {
  checkOptions('scaleByRss', options, RSS_KEYS, rssChecks('scaleByRss'));
  const { initialAccumulatorValue = 0.1, eps = 1e-7 } = options;
  return {
    init: (params) => ({ sumOfSquares: fullLike(params, initialAccumulatorValue) as unknown as P }),
    update(u, state) {
      checkStateLike('scaleByRss', 'state.sumOfSquares', state.sumOfSquares, u);
      const s = mapLike(
        (g, acc) => acc.add(g.mul(g)),
        u,
        state.sumOfSquares as unknown as typeof u,
      );
      const out = mapLike((g, acc) => where(acc.gt(0), g.mul(rsqrt(acc.add(eps))), 0), u, s);
      return [out, { sumOfSquares: s as unknown as P }];
    },
  };
}

/** Options of `scaleByAdam`. */
export interface ScaleByAdamOptions {
  /** Decay of the first moment (default 0.9). */
  b1?: number;
  /** Decay of the second moment (default 0.999). */
  b2?: number;
  /** Added outside the square root (default 1e-8). */
  eps?: number;
  /** Added inside the square root (default 0). */
  epsRoot?: number;
}

/** State of Adam: the step count and both moments. */
export interface AdamState<P = unknown> {
  count: Tensor;
  mu: P;
  nu: P;
}

/**
 * Adam scaling (Kingma & Ba 2015; optax's scale_by_adam): t ← t + 1,
 * μ ← b1·μ + (1 − b1)·g, ν ← b2·ν + (1 − b2)·g², μ̂ = μ / (1 − b1ᵗ), ν̂ = ν / (1 − b2ᵗ),
 * u = μ̂ / (√(ν̂ + epsRoot) + eps). Bias corrections are computed in float64, then cast.
 */
export function scaleByAdam<P = unknown>(
  options: ScaleByAdamOptions = {},
): GradientTransformation<AdamState<P>> {
  checkOptions('scaleByAdam', options, ADAM_KEYS, adamChecks('scaleByAdam'));
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 } = options;
  return {
    init: (params) => ({
      count: zeroCount(),
      mu: zerosLikeTree(params) as unknown as P,
      nu: zerosLikeTree(params) as unknown as P,
    }),
    update(u, state) {
      const { count, mu, nu, muHat, nuHat } = adamMoments('scaleByAdam', u, state, b1, b2);
      const out = mapLike((m, n) => m.div(sqrt(n.add(epsRoot)).add(eps)), muHat, nuHat);
      return [out, { count, mu: mu as unknown as P, nu: nu as unknown as P }];
    },
  };
}

/**
 * Adam's shared half (also AMSGrad's): t ← t + 1, μ ← b1·μ + (1 − b1)·g,
 * ν ← b2·ν + (1 − b2)·g², and the bias-corrected μ̂ = μ / (1 − b1ᵗ), ν̂ = ν / (1 − b2ᵗ) (the
 * corrections computed in float64, then cast). Checks the state against the updates, naming `op`.
 */
export function adamMoments<T>(
  op: string,
  u: T,
  state: { count: Tensor; mu: unknown; nu: unknown },
  b1: number,
  b2: number,
): { count: Tensor; mu: T; nu: T; muHat: T; nuHat: T } {
  checkCount(op, state.count);
  checkStateLike(op, 'state.mu', state.mu, u);
  checkStateLike(op, 'state.nu', state.nu, u);
  const count = state.count.add(1);
  const t = count.astype('float64');
  const c1 = pow(b1, t).neg().add(1);
  const c2 = pow(b2, t).neg().add(1);
  const mu = updateMoment(u, state.mu as T, b1, 1);
  const nu = updateMoment(u, state.nu as T, b2, 2);
  return {
    count,
    mu,
    nu,
    muHat: mapLike((m) => m.div(c1.astype(m.dtype)), mu),
    nuHat: mapLike((n) => n.div(c2.astype(n.dtype)), nu),
  };
}

/**
 * Decoupled weight decay (optax's add_decayed_weights): u = g + weightDecay · p. Needs the
 * params in `update`. Put it after the adaptive scaling and before the learning rate (AdamW).
 */
export function addDecayedWeights(weightDecay: number): GradientTransformation<EmptyState> {
  checkCoefficient('addDecayedWeights', 'weightDecay', weightDecay);
  return {
    init: empty,
    update(u, state, params) {
      if (params === undefined) {
        throw new InvalidArgumentError(
          'addDecayedWeights: update needs the params (update(grads, state, params)).',
        );
      }
      return [mapLike((g, p) => g.add(p.mul(weightDecay)), u, params), state];
    },
  };
}
