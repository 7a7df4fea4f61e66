// SPDX-License-Identifier: MIT
import { cos, InvalidArgumentError, minimum, pow, scalar, type Tensor, where } from '@loom/core';
import * as E from 'fp-ts/lib/Either.js';
import { booleanOf, finite, orThrow } from '../validate.js';
import { checkOptions } from './options.js';

/**
 * A learning-rate schedule: step count → value. It receives the count as a scalar tensor (the
 * optimizer state's int32 count), so it stays traceable under jit and scan, and returns a
 * float64 scalar tensor. The built-in schedules also accept a plain number and then return a
 * number, which is handy for plotting and tests.
 */
export interface Schedule {
  (count: Tensor): Tensor;
  (count: number): number;
}

/** Any function of the count tensor can serve as a schedule. */
export type ScheduleFn = (count: Tensor) => Tensor;

/** A learning rate: a constant, or a schedule evaluated on the transformation's step count. */
export type ScalarOrSchedule = number | ScheduleFn;

/** Wraps a float64-tensor formula so it accepts counts as tensors or numbers. */
export function makeSchedule(f: (count: Tensor) => Tensor): Schedule {
  function s(count: Tensor): Tensor;
  function s(count: number): number;
  function s(count: Tensor | number): Tensor | number {
    if (typeof count === 'number') return f(scalar(count, 'float64')).item();
    return f(count.astype('float64'));
  }
  return s;
}

function positive(op: string, name: string, v: number): void {
  if (!(v > 0)) throw new InvalidArgumentError(`${op}: ${name} must be positive, got ${v}.`);
}

const finiteCheck =
  (fn: string, o: Record<string, unknown>, key: string, required: boolean) => () =>
    o[key] === undefined && !required
      ? E.right(undefined)
      : E.map(() => undefined)(finite(fn, key, o[key]));

/** Option keys and finiteness of a schedule's options object (`required` keys must be given). */
function checkScheduleOptions(
  fn: string,
  options: unknown,
  required: readonly string[],
  optional: readonly string[],
): void {
  checkOptions(fn, options, [...required, ...optional], (o) => [
    ...required.map((k) => finiteCheck(fn, o, k, true)),
    ...optional.filter((k) => k !== 'staircase').map((k) => finiteCheck(fn, o, k, false)),
  ]);
}

function finiteArgs(fn: string, args: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(args)) orThrow(finite(fn, name, value));
}

/** The same value at every step. */
export function constantSchedule(value: number): Schedule {
  finiteArgs('constantSchedule', { value });
  return makeSchedule((c) => c.mul(0).add(value));
}

/**
 * Linear interpolation from `initValue` to `endValue` over `transitionSteps` steps starting at
 * `transitionBegin`, constant outside: v = end + (init − end)·(1 − clip(t − begin, 0, steps)/steps).
 */
export function linearSchedule(
  initValue: number,
  endValue: number,
  transitionSteps: number,
  transitionBegin = 0,
): Schedule {
  finiteArgs('linearSchedule', { initValue, endValue, transitionSteps, transitionBegin });
  positive('linearSchedule', 'transitionSteps', transitionSteps);
  return makeSchedule((c) => {
    const t = minimum(c.sub(transitionBegin).maximum(0), transitionSteps);
    return t
      .div(transitionSteps)
      .neg()
      .add(1)
      .mul(initValue - endValue)
      .add(endValue);
  });
}

/** Options of `exponentialDecay` (optax's exponential_decay). */
export interface ExponentialDecayOptions {
  initValue: number;
  transitionSteps: number;
  decayRate: number;
  /** Steps before decay starts (the value is initValue until then). Default 0. */
  transitionBegin?: number;
  /** Decay in whole periods: the exponent is floor((t − begin)/transitionSteps). */
  staircase?: boolean;
  /** Bound the value (a floor when decaying, a ceiling when growing). */
  endValue?: number;
}

/**
 * v = initValue · decayRate^((t − begin) / transitionSteps) for t > begin, initValue before
 * (exponent floored when `staircase`), clipped at `endValue` if given.
 */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  checkScheduleOptions(
    'exponentialDecay',
    options,
    ['initValue', 'transitionSteps', 'decayRate'],
    ['transitionBegin', 'staircase', 'endValue'],
  );
  if (options.staircase !== undefined)
    orThrow(booleanOf('exponentialDecay', 'staircase', options.staircase));
  const { initValue, transitionSteps, decayRate, transitionBegin = 0, staircase = false } = options;
  positive('exponentialDecay', 'transitionSteps', transitionSteps);
  return makeSchedule((c) => {
    const elapsed = c.sub(transitionBegin);
    let p = elapsed.div(transitionSteps);
    // Truncation is floor here: negative exponents are replaced by initValue below.
    if (staircase) p = p.astype('int32').astype('float64');
    let v = where(elapsed.le(0), initValue, pow(decayRate, p).mul(initValue));
    if (options.endValue !== undefined) {
      v = decayRate < 1 ? v.maximum(options.endValue) : v.minimum(options.endValue);
    }
    return v;
  });
}

/** Options of `cosineDecaySchedule`. */
export interface CosineDecayOptions {
  initValue: number;
  decaySteps: number;
  /** The value ends at alpha·initValue (default 0). */
  alpha?: number;
  /** Power applied to the cosine factor (default 1). */
  exponent?: number;
}

/**
 * Cosine decay (Loshchilov & Hutter 2017), as optax's cosine_decay_schedule:
 * v = initValue·((1 − α)·(½(1 + cos(π·min(t, D)/D)))^exponent + α).
 */
export function cosineDecaySchedule(options: CosineDecayOptions): Schedule {
  checkScheduleOptions(
    'cosineDecaySchedule',
    options,
    ['initValue', 'decaySteps'],
    ['alpha', 'exponent'],
  );
  const { initValue, decaySteps, alpha = 0, exponent = 1 } = options;
  positive('cosineDecaySchedule', 'decaySteps', decaySteps);
  return makeSchedule((c) => cosineFactor(c, decaySteps, alpha, exponent).mul(initValue));
}

function cosineFactor(c: Tensor, steps: number, alpha: number, exponent: number): Tensor {
  const t = minimum(c.maximum(0), steps);
  const cosine = cos(t.mul(Math.PI / steps))
    .add(1)
    .mul(0.5);
  const shaped = exponent === 1 ? cosine : pow(cosine, exponent);
  return shaped.mul(1 - alpha).add(alpha);
}

/** Options of `warmupCosineDecaySchedule`. */
export interface WarmupCosineDecayOptions {
  initValue: number;
  peakValue: number;
  warmupSteps: number;
  /** Total steps including warmup (as optax). */
  decaySteps: number;
  endValue?: number;
  exponent?: number;
}

/**
 * Linear warmup from `initValue` to `peakValue` over `warmupSteps`, then cosine decay from the
 * peak to `endValue` over the remaining `decaySteps − warmupSteps` steps (optax's
 * warmup_cosine_decay_schedule).
 */
export function warmupCosineDecaySchedule(options: WarmupCosineDecayOptions): Schedule {
  checkScheduleOptions(
    'warmupCosineDecaySchedule',
    options,
    ['initValue', 'peakValue', 'warmupSteps', 'decaySteps'],
    ['endValue', 'exponent'],
  );
  const { initValue, peakValue, warmupSteps, decaySteps, endValue = 0, exponent = 1 } = options;
  const decayPart = decaySteps - warmupSteps;
  positive('warmupCosineDecaySchedule', 'decaySteps − warmupSteps', decayPart);
  if (!(warmupSteps >= 0)) {
    throw new InvalidArgumentError(
      `warmupCosineDecaySchedule: warmupSteps must be ≥ 0, got ${warmupSteps}.`,
    );
  }
  const alpha = peakValue === 0 ? 0 : endValue / peakValue;
  return makeSchedule((c) => {
    const decay = cosineFactor(c.sub(warmupSteps), decayPart, alpha, exponent).mul(peakValue);
    if (warmupSteps === 0) return decay;
    const warm = minimum(c, warmupSteps)
      .div(warmupSteps)
      .mul(peakValue - initValue)
      .add(initValue);
    return where(c.lt(warmupSteps), warm, decay);
  });
}

/** Linear warmup from `initValue` to `peakValue` over `warmupSteps`, then constant. */
export function linearWarmup(initValue: number, peakValue: number, warmupSteps: number): Schedule {
  return linearSchedule(initValue, peakValue, warmupSteps);
}
