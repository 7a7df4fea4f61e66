// SPDX-License-Identifier: MIT
import { InvalidArgumentError } from '../errors.js';
import { maximum, minimum } from '../prims/extrema.js';
import type { TensorLike } from '../prims/operands.js';
import type { Tensor } from '../tensor/tensor.js';

/** Bounds of `clip`; either may be omitted (numbers or tensors broadcasting against x). */
export interface ClipBounds {
  /** Lower bound (omit for none). */
  readonly min?: TensorLike;
  /** Upper bound (omit for none); wins where it is below `min`. */
  readonly max?: TensorLike;
}

/**
 * Limits `x` to [min, max] elementwise, as `jnp.clip`: `minimum(maximum(x, min), max)`, so the
 * gradient is 1 strictly inside, 0 outside and 1/2 exactly at a bound (JAX's split at ties). When
 * min > max the result is max. Example: `clip(tensor([-2, 0.5, 3]), { min: 0, max: 1 })` is
 * `[0, 0.5, 1]`.
 */
export function clip(x: Tensor, { min, max }: ClipBounds): Tensor {
  if (min === undefined && max === undefined) {
    throw new InvalidArgumentError(
      `clip: give min, max or both for ${x.aval}; with neither there is nothing to clip.`,
    );
  }
  const low = min === undefined ? x : maximum(x, min);
  return max === undefined ? low : minimum(low, max);
}
