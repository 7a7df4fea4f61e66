// SPDX-License-Identifier: MIT
import { InvalidArgumentError } from '../errors.js';
import { add } from '../prims/add.js';
import { scalar } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { scan } from './scan.js';

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
      return [[add(i, 1), body(i, c)] as [Tensor, C], null] as const;
    },
    [scalar(lower, 'int32'), init] as [Tensor, C],
    null,
    { length },
  );
  return carry;
}
