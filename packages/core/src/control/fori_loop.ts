// SPDX-License-Identifier: MIT
import { DtypeError, InvalidArgumentError, ShapeError, TreeStructureError } from '../errors.js';
import { checkOptionKeys } from '../options.js';
import { add } from '../prims/add.js';
import { lt } from '../prims/comparisons.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { scalar } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import { equalityErrors, flatten, keyPaths } from '../tree/tree.js';
import { scan } from './scan.js';
import { pathSuffix } from './trace_tree.js';
import { whileLoop } from './while_loop.js';

/**
 * The body's new carry must have the old one's structure, shapes and dtypes. Checked here so
 * the error names foriLoop and the user's carry paths, not the scan it lowers to (whose carry
 * also holds the loop index).
 */
function checkCarry(before: unknown, after: unknown): void {
  const problems = equalityErrors(before, after);
  if (problems.length > 0) {
    throw new TreeStructureError(
      `foriLoop: the body changed the structure of the carry:\n  ${problems.join('\n  ')}`,
    );
  }
  const [a] = flatten<unknown>(before);
  const [b] = flatten<unknown>(after);
  const paths = keyPaths(before);
  a.forEach((x, k) => {
    const y = b[k];
    if (!(x instanceof Tensor) || !(y instanceof Tensor) || x.aval.equals(y.aval)) return;
    const Err = x.dtype !== y.dtype ? DtypeError : ShapeError;
    throw new Err(
      `foriLoop: the carry${pathSuffix(paths[k])} enters the body as ${x.aval} but comes out ` +
        `as ${y.aval}; it must keep its shape and dtype.`,
    );
  });
}

export interface ForiLoopOptions {
  /**
   * Steps per iteration of the underlying scan (static bounds only, as in JAX; results are the
   * same, only the loop's shape changes). Default 1.
   */
  unroll?: number;
}

type Bound = number | Tensor;

/** A bound's static value (a JS integer or a concrete tensor), or null when it is traced. */
function staticBound(name: string, b: Bound): number | null {
  if (typeof b === 'number') {
    if (!Number.isInteger(b)) {
      throw new InvalidArgumentError(
        `foriLoop: bounds given as numbers must be static integers, got ${name}=${b}; pass an ` +
          'int32 scalar Tensor for a bound known only at run time.',
      );
    }
    return b;
  }
  if (!(b instanceof Tensor)) {
    throw new InvalidArgumentError(
      `foriLoop: ${name} must be an integer or an int32 scalar Tensor, got ${typeof b}.`,
    );
  }
  if (b.ndim !== 0 || b.dtype !== 'int32') {
    const Err = b.ndim !== 0 ? ShapeError : DtypeError;
    throw new Err(
      `foriLoop: ${name} must be an int32 scalar, got ${b.aval}; convert it with astype(x, 'int32') or index it.`,
    );
  }
  // Like JAX, a bound whose value is known now (an eager tensor) makes the loop static.
  return b instanceof ConcreteTensor ? b.item() : null;
}

/**
 * `for (i = lower; i < upper; i++) carry = body(i, carry)`; `i` is an int32 scalar tensor.
 *
 * With static bounds (JS integers, or eager tensors) it lowers to a `scan` over the trip count
 * (the index travels in the carry), so it is differentiable in both modes. With traced bounds
 * (inside `jit` or `vmap`) it lowers to `whileLoop`: forward mode (`jvp`) works, and reverse
 * mode raises `NotDifferentiableError`, exactly as JAX's `fori_loop` with dynamic start/stop.
 * @example
 * const pow = (x: Tensor, n: number) => foriLoop(0, n, (_i, acc: Tensor) => acc.mul(x), ones([]));
 */
export function foriLoop<C>(
  lower: Bound,
  upper: Bound,
  body: (i: Tensor, carry: C) => C,
  init: C,
  options: ForiLoopOptions = {},
): C {
  checkOptionKeys('foriLoop', options, ['unroll']);
  const { unroll = 1 } = options;
  if (!Number.isInteger(unroll) || unroll < 1) {
    throw new InvalidArgumentError(`foriLoop: unroll must be a positive integer, got ${unroll}.`);
  }
  const lo = staticBound('lower', lower);
  const hi = staticBound('upper', upper);
  const step = (i: Tensor, c: C): C => {
    const next = body(i, c);
    checkCarry(c, next);
    return next;
  };
  if (lo === null || hi === null) {
    if (unroll !== 1) {
      throw new InvalidArgumentError(
        `foriLoop: unroll=${unroll} needs static bounds (numbers), but ${lo === null ? 'lower' : 'upper'} is traced; a loop with traced bounds lowers to whileLoop, which has no unroll.`,
      );
    }
    const start = typeof lower === 'number' ? scalar(lower, 'int32') : lower;
    const stop = typeof upper === 'number' ? scalar(upper, 'int32') : upper;
    const [, out] = whileLoop(
      ([i]: [Tensor, C]) => lt(i, stop),
      ([i, c]: [Tensor, C]) => [add(i, 1), step(i, c)] as [Tensor, C],
      [start, init] as [Tensor, C],
    );
    return out;
  }
  const length = Math.max(0, hi - lo);
  const [[, carry]] = scan(
    (state: [Tensor, C]) => {
      const [i, c] = state;
      return [[add(i, 1), step(i, c)] as [Tensor, C], null] as const;
    },
    [scalar(lo, 'int32'), init] as [Tensor, C],
    null,
    { length, unroll },
  );
  return carry;
}
