// SPDX-License-Identifier: MIT
/**
 * Option checks for optimizers, schedules, layers and cells, as `@loom/datasets` does them:
 * small `Either` validators composed with `pipe`, errors kept as values inside and thrown only at
 * the public edge (`orThrow`), where each builder validates its options once. Every message names
 * the function, the option, the bad value and what is accepted.
 */
import { checkOptionKeys, type DType, InvalidArgumentError } from '@loom/core';
import * as E from 'fp-ts/lib/Either.js';

/** The result of a check: the accepted value or the error describing it. */
export type Validation<A> = E.Either<InvalidArgumentError, A>;

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) {
    return String(value);
  }
  try {
    return JSON.stringify(value);
  } catch {
    return typeof value;
  }
}

/** The error every validator produces: `fn: option must be <expected>, got <value>.` */
export function optionError(
  fn: string,
  option: string,
  value: unknown,
  expected: string,
): InvalidArgumentError {
  const type = typeof value === 'number' || value == null ? '' : ` (${typeof value})`;
  return new InvalidArgumentError(
    `${fn}: ${option} must be ${expected}, got ${show(value)}${type}.`,
  );
}

/** A range bound: a number and whether it is included. */
export type Bound = readonly [number, 'inclusive' | 'exclusive'];

function describeRange(lo: Bound, hi: Bound): string {
  const left = lo[1] === 'inclusive' ? '[' : '(';
  const right = hi[1] === 'inclusive' ? ']' : ')';
  const fmt = (v: number) => (v === Number.POSITIVE_INFINITY ? '∞' : String(v));
  return `a finite number in ${left}${fmt(lo[0])}, ${fmt(hi[0])}${right}`;
}

/** Accepts a finite number within the bounds. */
export function numberIn(
  fn: string,
  option: string,
  value: unknown,
  lo: Bound,
  hi: Bound = [Number.POSITIVE_INFINITY, 'exclusive'],
): Validation<number> {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (lo[1] === 'inclusive' ? value >= lo[0] : value > lo[0]) &&
    (hi[1] === 'inclusive' ? value <= hi[0] : value < hi[0]);
  return ok ? E.right(value) : E.left(optionError(fn, option, value, describeRange(lo, hi)));
}

/** Accepts any finite number. */
export function finite(fn: string, option: string, value: unknown): Validation<number> {
  return typeof value === 'number' && Number.isFinite(value)
    ? E.right(value)
    : E.left(optionError(fn, option, value, 'a finite number'));
}

/** Accepts an integer in [min, max]. */
export function integerIn(
  fn: string,
  option: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): Validation<number> {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
    ? E.right(value)
    : E.left(
        optionError(
          fn,
          option,
          value,
          max === Number.MAX_SAFE_INTEGER
            ? `an integer ≥ ${min}`
            : `an integer from ${min} to ${max}`,
        ),
      );
}

/** Accepts a boolean. */
export function booleanOf(fn: string, option: string, value: unknown): Validation<boolean> {
  return typeof value === 'boolean'
    ? E.right(value)
    : E.left(optionError(fn, option, value, 'true or false'));
}

/** Accepts a function (a schedule, an initializer). */
export function functionOf<F>(fn: string, option: string, value: unknown): Validation<F> {
  return typeof value === 'function'
    ? E.right(value as F)
    : E.left(optionError(fn, option, value, 'a function'));
}

/** Accepts one of the Loom dtypes (or the float ones only). */
export function dtypeOf(
  fn: string,
  option: string,
  value: unknown,
  choices: readonly DType[] = ['float32', 'float64'],
): Validation<DType> {
  return typeof value === 'string' && (choices as readonly string[]).includes(value)
    ? E.right(value as DType)
    : E.left(optionError(fn, option, value, `one of ${choices.map((c) => `'${c}'`).join(', ')}`));
}

/**
 * A learning rate: a finite number > 0, or a schedule (a function of the step count). A string
 * such as '0.01' is refused here instead of failing later as "lr is not a function".
 */
export function learningRate<F>(fn: string, value: unknown): Validation<number | F> {
  if (typeof value === 'function') return E.right(value as F);
  return typeof value === 'number' && Number.isFinite(value) && value > 0
    ? E.right(value)
    : E.left(
        optionError(fn, 'lr', value, 'a finite number > 0 or a schedule (a function of the count)'),
      );
}

/** `value` when it is not undefined, else `fallback`: where defaults are filled in. */
export const orDefault = <A>(value: A | undefined, fallback: A): A =>
  value === undefined ? fallback : value;

/** Unknown option keys: InvalidArgumentError listing the valid keys (core's checkOptionKeys). */
export function knownKeys<O>(fn: string, options: O, valid: readonly string[]): Validation<O> {
  try {
    checkOptionKeys(fn, options, valid);
    return E.right(options);
  } catch (e) {
    return E.left(e as InvalidArgumentError);
  }
}

/** Passes `value` on when `cond` holds, else fails with `error()`: checks across options. */
export function ensure<A>(
  value: A,
  cond: boolean,
  error: () => InvalidArgumentError,
): Validation<A> {
  return cond ? E.right(value) : E.left(error());
}

/** The public edge: returns the value or throws the InvalidArgumentError. */
export function orThrow<A>(result: Validation<A>): A {
  if (E.isLeft(result)) throw result.left;
  return result.right;
}

/** What a layer or cell configuration holds, by kind of value. */
export interface ConfigSpec {
  /** Positive integer sizes (required). */
  sizes: readonly string[];
  /** Optional initializer functions. */
  initializers?: readonly string[];
  /** Optional booleans. */
  booleans?: readonly string[];
  /** Optional finite numbers. */
  numbers?: readonly string[];
  /** Optional positive integer sizes. */
  optionalSizes?: readonly string[];
}

const optional =
  <A>(check: (v: unknown) => Validation<A>) =>
  (v: unknown): Validation<unknown> =>
    v === undefined ? E.right(v) : check(v);

/**
 * Checks a layer or cell configuration where its parameters are built: known keys only, sizes
 * positive integers, initializers functions, dtype float32 or float64. Throws
 * InvalidArgumentError naming `fn`, the key, the value and what is accepted.
 */
export function checkConfig(fn: string, config: unknown, spec: ConfigSpec): void {
  const { sizes, initializers = [], booleans = [], numbers = [], optionalSizes = [] } = spec;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw optionError(fn, 'config', config, `an object with ${sizes.join(', ')}`);
  }
  const c = config as Record<string, unknown>;
  const checks: [string, (v: unknown) => Validation<unknown>][] = [
    ...sizes.map(
      (k) =>
        [k, (v: unknown) => integerIn(fn, k, v, 1)] as [
          string,
          (v: unknown) => Validation<unknown>,
        ],
    ),
    ...optionalSizes.map(
      (k) =>
        [k, optional((v) => integerIn(fn, k, v, 1))] as [
          string,
          (v: unknown) => Validation<unknown>,
        ],
    ),
    ...initializers.map(
      (k) =>
        [k, optional((v) => functionOf(fn, k, v))] as [string, (v: unknown) => Validation<unknown>],
    ),
    ...booleans.map(
      (k) =>
        [k, optional((v) => booleanOf(fn, k, v))] as [string, (v: unknown) => Validation<unknown>],
    ),
    ...numbers.map(
      (k) =>
        [k, optional((v) => finite(fn, k, v))] as [string, (v: unknown) => Validation<unknown>],
    ),
    ['dtype', optional((v) => dtypeOf(fn, 'dtype', v))],
  ];
  orThrow(
    knownKeys(
      fn,
      c,
      checks.map(([k]) => k),
    ),
  );
  for (const [key, check] of checks) orThrow(check(c[key]));
}
