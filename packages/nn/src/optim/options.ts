// SPDX-License-Identifier: MIT
// Option checks of the optimizers and their building blocks, run once where each is built:
// `adam(-1)`, `sgd(0.1, { momentum: 1.5 })`, `adam('0.01')` or `{ beta1: 0.9 }` fail at once,
// naming the optimizer, the option, the value and the accepted range, instead of training
// silently wrong or failing deep inside an update.
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import {
  type Bound,
  booleanOf,
  ensure,
  knownKeys,
  learningRate,
  numberIn,
  optionError,
  orThrow,
  type Validation,
} from '../validate.js';
import type { ScalarOrSchedule, ScheduleFn } from './schedule.js';

const ZERO_IN: Bound = [0, 'inclusive'];
const ONE_OUT: Bound = [1, 'exclusive'];
const ONE_IN: Bound = [1, 'inclusive'];

type Options = Record<string, unknown>;

/** An optional number option: absent passes, present must be in range. */
function optionalIn(fn: string, o: Options, key: string, lo: Bound, hi?: Bound): Validation<void> {
  return o[key] === undefined
    ? E.right(undefined)
    : E.map(() => undefined)(numberIn(fn, key, o[key], lo, hi));
}

function optionalBoolean(fn: string, o: Options, key: string): Validation<void> {
  return o[key] === undefined
    ? E.right(undefined)
    : E.map(() => undefined)(booleanOf(fn, key, o[key]));
}

/** Runs checks in order; the first failure stops the rest. */
function all(checks: (() => Validation<void>)[]): Validation<void> {
  let result: Validation<void> = E.right(undefined);
  for (const check of checks) {
    result = pipe(
      result,
      E.flatMap(() => check()),
    );
  }
  return result;
}

function objectOf(fn: string, options: unknown): Validation<Options> {
  return options === undefined || options === null
    ? E.right({})
    : typeof options === 'object' && !Array.isArray(options)
      ? E.right(options as Options)
      : E.left(optionError(fn, 'options', options, 'an object'));
}

/** Validates `options` of `fn` against `keys` and per-key checks; throws InvalidArgumentError. */
export function checkOptions(
  fn: string,
  options: unknown,
  keys: readonly string[],
  checks: (o: Options) => (() => Validation<void>)[],
): void {
  orThrow(
    pipe(
      objectOf(fn, options),
      E.flatMap((o) => knownKeys(fn, o, keys)),
      E.flatMap((o) => all(checks(o))),
    ),
  );
}

/** A learning rate (number > 0 or schedule); throws InvalidArgumentError naming `fn`. */
export function checkLearningRate(fn: string, lr: unknown): ScalarOrSchedule {
  return orThrow(learningRate<ScheduleFn>(fn, lr));
}

export const ADAM_KEYS = ['b1', 'b2', 'eps', 'epsRoot'] as const;
export const adamChecks = (fn: string) => (o: Options) => [
  () => optionalIn(fn, o, 'b1', ZERO_IN, ONE_OUT),
  () => optionalIn(fn, o, 'b2', ZERO_IN, ONE_OUT),
  () => optionalIn(fn, o, 'eps', ZERO_IN),
  () => optionalIn(fn, o, 'epsRoot', ZERO_IN),
];

export const RMS_KEYS = ['decay', 'eps', 'initialScale', 'epsInSqrt'] as const;
export const rmsChecks = (fn: string) => (o: Options) => [
  () => optionalIn(fn, o, 'decay', ZERO_IN, ONE_IN),
  () => optionalIn(fn, o, 'eps', ZERO_IN),
  () => optionalIn(fn, o, 'initialScale', ZERO_IN),
  () => optionalBoolean(fn, o, 'epsInSqrt'),
];

export const RSS_KEYS = ['initialAccumulatorValue', 'eps'] as const;
export const rssChecks = (fn: string) => (o: Options) => [
  () => optionalIn(fn, o, 'initialAccumulatorValue', ZERO_IN),
  () => optionalIn(fn, o, 'eps', ZERO_IN),
];

/** momentum in [0, 1) and nesterov only with momentum. */
export const momentumChecks = (fn: string) => (o: Options) => [
  () => optionalIn(fn, o, 'momentum', ZERO_IN, ONE_OUT),
  () => optionalBoolean(fn, o, 'nesterov'),
  () =>
    ensure(undefined, !(o.nesterov === true && o.momentum === undefined), () =>
      optionError(fn, 'nesterov', true, 'used with a momentum (none was given)'),
    ),
];

/** A non-negative finite coefficient given positionally (weight decay, a scale factor). */
export function checkCoefficient(fn: string, name: string, value: unknown, lo = ZERO_IN): number {
  return orThrow(numberIn(fn, name, value, lo));
}

export { ONE_OUT, ZERO_IN };
