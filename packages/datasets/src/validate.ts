// SPDX-License-Identifier: MIT
/**
 * Small `Either` validators that the option checks of each dataset are composed from. Errors stay
 * values inside the package and become exceptions only at the public edge (`orThrow`), so checks
 * compose with `pipe` and the first bad option stops the rest.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type DatasetError, optionError } from './errors.js';

/** The result of a check: the accepted value or the error describing what was wrong. */
export type Validation<A> = E.Either<DatasetError, A>;

/** Accepts an integer in [min, max]. */
export function integerIn(
  fn: string,
  option: string,
  value: unknown,
  min: number,
  max: number,
): Validation<number> {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
    ? E.right(value)
    : E.left(optionError(fn, option, value, `an integer from ${min} to ${max}`));
}

/** Accepts a finite number in [min, max] (either bound may be infinite). */
export function numberIn(
  fn: string,
  option: string,
  value: unknown,
  min: number,
  max: number,
): Validation<number> {
  const describe =
    max === Number.POSITIVE_INFINITY
      ? `a finite number ≥ ${min}`
      : `a number from ${min} to ${max}`;
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max
    ? E.right(value)
    : E.left(optionError(fn, option, value, describe));
}

/** Accepts a number strictly between lo and hi. */
export function numberBetween(
  fn: string,
  option: string,
  value: unknown,
  lo: number,
  hi: number,
): Validation<number> {
  return typeof value === 'number' && value > lo && value < hi
    ? E.right(value)
    : E.left(optionError(fn, option, value, `a number strictly between ${lo} and ${hi}`));
}

/**
 * Accepts any safe integer as a seed. The seed is required everywhere on purpose: a forgotten
 * seed should fail loudly rather than silently give a different dataset on every run.
 */
export function seedOf(fn: string, value: unknown): Validation<number> {
  return typeof value === 'number' && Number.isSafeInteger(value)
    ? E.right(value)
    : E.left(optionError(fn, 'seed', value, 'a safe integer (it is required)'));
}

/** Accepts a boolean. */
export function booleanOf(fn: string, option: string, value: unknown): Validation<boolean> {
  return typeof value === 'boolean'
    ? E.right(value)
    : E.left(optionError(fn, option, value, 'true or false'));
}

/** Accepts one of a fixed list of strings. */
export function oneOf<const S extends string>(
  fn: string,
  option: string,
  value: unknown,
  choices: readonly S[],
): Validation<S> {
  return typeof value === 'string' && (choices as readonly string[]).includes(value)
    ? E.right(value as S)
    : E.left(optionError(fn, option, value, `one of ${choices.map((c) => `'${c}'`).join(', ')}`));
}

/** Accepts a string with at least one character. */
export function nonEmptyString(fn: string, option: string, value: unknown): Validation<string> {
  return typeof value === 'string' && value.length > 0
    ? E.right(value)
    : E.left(optionError(fn, option, value, 'a non-empty string'));
}

/** Passes `value` on when `cond` holds, else fails with `error()`; for checks across options. */
export function ensure<A>(value: A, cond: boolean, error: () => DatasetError): Validation<A> {
  return cond ? E.right(value) : E.left(error());
}

/** The public edge: returns the value or throws the `DatasetError`. */
export function orThrow<A>(result: Validation<A>): A {
  if (E.isLeft(result)) throw result.left;
  return result.right;
}
