// SPDX-License-Identifier: MIT
// Small typed wrappers over core's tree.map for optimizer code: updates, states and params all
// share the parameters' structure, so mapping keeps the caller's type.
import { full, type Tensor, tree } from '@loom/core';

/** tree.map that keeps the static type of the first tree. */
export function mapLike<T>(f: (leaf: Tensor, ...rest: Tensor[]) => Tensor, t: T, ...rest: T[]): T {
  return tree.map(f, t, ...rest) as unknown as T;
}

/** A tree of the same structure with every leaf filled with `value` (dtype kept). */
export function fullLike<T>(t: T, value: number): T {
  return mapLike((x) => full(x.shape, value, x.dtype), t);
}

/** Zeros with the structure, shapes and dtypes of `t`. */
export function zerosLikeTree<T>(t: T): T {
  return fullLike(t, 0);
}

/** A fresh int32 step counter. */
export function zeroCount(): Tensor {
  return full([], 0, 'int32');
}

/**
 * Exponential moving average of the gradients' `order`-th power (optax's `update_moment`):
 * m ← decay·m + (1 − decay)·gᵒʳᵈᵉʳ, leaf by leaf.
 */
export function updateMoment<T>(updates: T, moments: T, decay: number, order: 1 | 2): T {
  return mapLike(
    (g, m) => m.mul(decay).add((order === 1 ? g : g.mul(g)).mul(1 - decay)),
    updates,
    moments,
  );
}
