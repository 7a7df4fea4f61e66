// SPDX-License-Identifier: MIT
import { InvalidArgumentError } from '../errors.js';
import { broadcastTo } from '../prims/broadcast_in_dim.js';
import { take } from '../prims/gather.js';
import { reshape } from '../prims/reshape.js';
import { formatShape, normalizeAxis, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Repeats each element of `x` along `axis`, as numpy's `repeat`: `repeats` times each, or
 * `repeats[i]` times element i. Without an axis, `x` is flattened first. Example:
 * `repeat(tensor([1, 2]), 2)` is `[1, 1, 2, 2]`; `repeat(tensor([1, 2]), [1, 3])` is
 * `[1, 2, 2, 2]`.
 */
export function repeat(x: Tensor, repeats: number | readonly number[], axis?: number): Tensor {
  const input = axis === undefined ? reshape(x, [sizeOf(x.shape)]) : x;
  const ax = axis === undefined ? 0 : normalizeAxis('repeat', axis, x.ndim, x.shape);
  const n = input.shape[ax];
  const list = typeof repeats === 'number' ? [repeats] : repeats;
  if (!list.every((r) => Number.isInteger(r) && r >= 0)) {
    throw new InvalidArgumentError(
      `repeat: repeats [${list}] for ${formatShape(x.shape)} must be non-negative integers.`,
    );
  }
  if (typeof repeats !== 'number' && repeats.length !== n) {
    throw new InvalidArgumentError(
      `repeat: ${repeats.length} repeat counts for axis ${ax} of size ${n} ` +
        `(${formatShape(input.shape)}); give one count per element or a single count.`,
    );
  }
  if (typeof repeats === 'number') {
    // Each element gets its own new axis of `repeats` copies right after it, then they merge.
    const before = input.shape.slice(0, ax + 1);
    const after = input.shape.slice(ax + 1);
    const spread = reshape(input, [...before, 1, ...after]);
    const copies = broadcastTo(spread, [...before, repeats, ...after]);
    return reshape(copies, [...input.shape.slice(0, ax), n * repeats, ...after]);
  }
  // Uneven counts: gather with the static index list [0, 0, 1, 2, 2, ...].
  const indices = repeats.flatMap((r, i) => new Array<number>(r).fill(i));
  return take(input, indices, ax);
}
