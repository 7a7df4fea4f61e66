// SPDX-License-Identifier: MIT
import { InvalidArgumentError } from '../errors.js';
import { checkOptionKeys } from '../options.js';
import { reshape } from '../prims/reshape.js';
import { vmap } from '../transforms/vmap.js';
import { scan } from './scan.js';
import { joinTrees, leadingRows, mapTreeLeaves, tensorLeaves } from './trace_tree.js';

export interface MapOptions {
  /**
   * Apply `f` to this many slices at a time (vmapped), scanning over the groups: more memory,
   * fewer loop iterations. A remainder that does not fill a group is vmapped separately.
   */
  batchSize?: number;
}

/**
 * Applies `f` to every slice of `xs` along its leading axis and stacks the results, like JAX's
 * `lax.map`: a `scan` with no carry, so `f` is traced once and run sequentially (less memory
 * than `vmap`, which runs all slices at once). `xs` may be a tree; every leaf must have the same
 * leading length. Differentiable in both modes.
 * @example
 * const norms = map((row: Tensor) => row.mul(row).sum().sqrt(), matrix); // shape [rows]
 */
export function map<X, Y>(f: (x: X) => Y, xs: X, options: MapOptions = {}): Y {
  checkOptionKeys('map', options, ['batchSize']);
  if (typeof f !== 'function') {
    throw new InvalidArgumentError(`map: f must be a function, got ${typeof f}.`);
  }
  const [leaves] = tensorLeaves('map', 'xs', xs);
  if (leaves.length === 0) {
    throw new InvalidArgumentError('map: xs has no Tensor leaves; there is nothing to map over.');
  }
  const { batchSize } = options;
  const step = (_: null, x: X) => [null, f(x)] as const;
  if (batchSize === undefined) return scan(step, null, xs)[1];
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError(`map: batchSize must be a positive integer, got ${batchSize}.`);
  }
  // scan checks that every leaf is at least 1-d with one shared length; it names the leaves.
  const length = leaves[0].ndim === 0 ? 0 : leaves[0].shape[0];
  if (length === 0 || leaves.some((x) => x.ndim === 0 || x.shape[0] !== length)) {
    return scan(step, null, xs)[1];
  }
  const groups = Math.floor(length / batchSize);
  const rest = length - groups * batchSize;
  const batched = vmap(f);
  const parts: Y[] = [];
  if (groups > 0) {
    const grouped = mapTreeLeaves(leadingRows(xs, 0, groups * batchSize), (x) =>
      reshape(x, [groups, batchSize, ...x.shape.slice(1)]),
    );
    const [, ys] = scan((_: null, x: X) => [null, batched(x)] as const, null, grouped);
    parts.push(mapTreeLeaves(ys, (y) => reshape(y, [groups * batchSize, ...y.shape.slice(2)])));
  }
  if (rest > 0) parts.push(batched(leadingRows(xs, groups * batchSize, length)));
  if (parts.length === 1) return parts[0];
  return joinTrees(parts, false);
}
