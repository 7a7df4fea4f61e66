// SPDX-License-Identifier: MIT
import { InvalidArgumentError } from '../errors.js';
import { broadcastTo } from '../prims/broadcast_in_dim.js';
import { reshape } from '../prims/reshape.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Repeats the whole of `x` `reps` times along each axis, as numpy's `tile` (a broadcast and a
 * reshape, so gradients sum over the copies). Shorter `reps` apply to the trailing axes; longer
 * ones add leading axes. Example: `tile(tensor([1, 2]), 2)` is `[1, 2, 1, 2]`.
 */
export function tile(x: Tensor, reps: number | readonly number[]): Tensor {
  const list = typeof reps === 'number' ? [reps] : [...reps];
  if (!list.every((r) => Number.isInteger(r) && r >= 0)) {
    throw new InvalidArgumentError(
      `tile: reps [${list}] for ${formatShape(x.shape)} must be non-negative integers.`,
    );
  }
  const rank = Math.max(list.length, x.ndim);
  const counts = [...new Array<number>(rank - list.length).fill(1), ...list];
  const dims = [...new Array<number>(rank - x.ndim).fill(1), ...x.shape];
  // [1, d0, 1, d1, ...] broadcast to [r0, d0, r1, d1, ...], then each pair merged.
  const spread = reshape(
    x,
    dims.flatMap((d) => [1, d]),
  );
  const copies = broadcastTo(
    spread,
    dims.flatMap((d, i) => [counts[i], d]),
  );
  return reshape(
    copies,
    dims.map((d, i) => d * counts[i]),
  );
}
