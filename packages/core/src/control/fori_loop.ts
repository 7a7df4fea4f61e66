// SPDX-License-Identifier: MIT
import { DtypeError, InvalidArgumentError, ShapeError, TreeStructureError } from '../errors.js';
import { add } from '../prims/add.js';
import { scalar } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import { equalityErrors, flatten, keyPaths } from '../tree/tree.js';
import { scan } from './scan.js';
import { pathSuffix } from './trace_tree.js';

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

/**
 * `for (i = lower; i < upper; i++) carry = body(i, carry)` with static bounds. It lowers to a
 * `scan` over the trip count (the index travels in the carry as an int32 scalar), so it is
 * differentiable in both modes, unlike `whileLoop`.
 */
export function foriLoop<C>(
  lower: number,
  upper: number,
  body: (i: Tensor, carry: C) => C,
  init: C,
): C {
  if (!Number.isInteger(lower) || !Number.isInteger(upper)) {
    throw new InvalidArgumentError(
      `foriLoop: bounds must be static integers, got lower=${lower}, upper=${upper}; for a bound ` +
        'known only at run time use whileLoop (forward-mode differentiable only).',
    );
  }
  const length = Math.max(0, upper - lower);
  const [[, carry]] = scan(
    (state: [Tensor, C]) => {
      const [i, c] = state;
      const next = body(i, c);
      checkCarry(c, next);
      return [[add(i, 1), next] as [Tensor, C], null] as const;
    },
    [scalar(lower, 'int32'), init] as [Tensor, C],
    null,
    { length },
  );
  return carry;
}
