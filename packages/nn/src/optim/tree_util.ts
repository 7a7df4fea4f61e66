// SPDX-License-Identifier: MIT
// Small typed wrappers over core's tree.map for optimizer code: updates, states and params all
// share the parameters' structure, so mapping keeps the caller's type.
import { DtypeError, full, type Tensor, TreeStructureError, tree } from '@loom/core';

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

/**
 * Checks that an optimizer state tree (`what`, e.g. `scaleByAdam state.mu`) matches the
 * updates it is combined with: same structure, and per leaf the same shape and dtype. Without
 * it a float64 state silently promotes float32 parameters, and a state from another model fails
 * somewhere inside broadcasting. Only types are read, so it costs nothing extra under jit.
 */
export function checkStateLike(op: string, what: string, state: unknown, updates: unknown): void {
  const structural = tree.equalityErrors(state, updates);
  if (structural.length > 0) {
    throw new TreeStructureError(
      `${op}: the state's ${what} does not have the structure of the updates (gradients): ` +
        `${structural.join('; ')} (state vs updates). Was the state built by this optimizer's ` +
        'init for these params?',
    );
  }
  const s = tree.leaves(state);
  const u = tree.leaves(updates);
  const paths = tree.keyPaths(updates);
  const bad: string[] = [];
  s.forEach((leaf, i) => {
    const a = leaf as Tensor;
    const b = u[i] as Tensor;
    const shapeDiffers =
      a.shape.length !== b.shape.length || a.shape.some((d, k) => d !== b.shape[k]);
    if (shapeDiffers || a.dtype !== b.dtype) {
      bad.push(
        `${what}${paths[i] === '<root>' ? '' : paths[i]}: ${a.dtype}[${a.shape.join(', ')}] in the ` +
          `state vs ${b.dtype}[${b.shape.join(', ')}] in the updates`,
      );
    }
  });
  if (bad.length > 0) {
    throw new DtypeError(
      `${op}: the optimizer state does not match the updates (gradients) leaf by leaf; a state ` +
        `must have the shapes and dtypes of the params it was initialized for:\n  ${bad.join('\n  ')}`,
    );
  }
}

/** The step count must be an int32 scalar (a float count would drift and change dtypes). */
export function checkCount(op: string, count: unknown): void {
  const c = count as Tensor | undefined;
  if (c?.dtype !== 'int32' || c.shape.length !== 0) {
    const got = c?.dtype === undefined ? typeof count : `${c.dtype}[${c.shape.join(', ')}]`;
    throw new DtypeError(`${op}: state.count must be an int32 scalar, got ${got}.`);
  }
}
