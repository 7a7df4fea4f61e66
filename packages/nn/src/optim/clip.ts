// SPDX-License-Identifier: MIT
import { InvalidArgumentError, maximum, minimum, scalar, type Tensor, tree } from '@loom/core';
import type { GradientTransformation } from './base.js';
import type { EmptyState } from './transform.js';
import { mapLike } from './tree_util.js';

/** ‖g‖ over every leaf of the tree, √(Σ g²), as a float64 scalar tensor. */
export function globalNorm(t: unknown): Tensor {
  const leaves = tree.leaves<Tensor>(t);
  let total: Tensor | undefined;
  for (const g of leaves) {
    const s = g.astype('float64').square().sum();
    total = total === undefined ? s : total.add(s);
  }
  return total === undefined ? scalar(0, 'float64') : total.sqrt();
}

/**
 * Rescales the whole update tree when its global norm exceeds `maxNorm` (Pascanu et al. 2013;
 * optax's clip_by_global_norm): u = g if ‖g‖ < maxNorm, else g · maxNorm / ‖g‖. Directions are
 * kept; the norm of the result never exceeds maxNorm.
 * @example
 * const opt = chain(clipByGlobalNorm(1), sgd(0.1)); // gradients rescaled to norm ≤ 1 first
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  if (!(maxNorm > 0)) {
    throw new InvalidArgumentError(`clipByGlobalNorm: maxNorm must be positive, got ${maxNorm}.`);
  }
  return {
    init: () => ({}),
    update(u, state) {
      const norm = globalNorm(u);
      // maxNorm / max(‖g‖, maxNorm) is exactly 1 below the bound, so no branch is needed.
      const factor = scalar(maxNorm, 'float64').div(norm.maximum(maxNorm));
      return [mapLike((g) => g.mul(factor.astype(g.dtype)), u), state];
    },
  };
}

/** Clips every element: u = min(max(g, min), max) (optax's clip; gradient-value clipping). */
export function clipByValue(min: number, max: number): GradientTransformation<EmptyState> {
  if (!(min <= max)) {
    throw new InvalidArgumentError(`clipByValue: min (${min}) must not exceed max (${max}).`);
  }
  return {
    init: () => ({}),
    update: (u, state) => [mapLike((g) => minimum(maximum(g, min), max), u), state],
  };
}
