// SPDX-License-Identifier: MIT
import { InvalidArgumentError, type Tensor } from '@loom/core';
import { mapLike } from './tree_util.js';

/**
 * An optax-style gradient transformation: a pure pair of functions over pytrees.
 *
 * - `init(params)` builds the state, a pytree whose leaves are all tensors (a step count is an
 *   int32 scalar tensor), so states can be carried through `scan`/`jit` and checkpointed.
 * - `update(updates, state, params?)` maps incoming updates (at first, gradients) to outgoing
 *   updates and the next state. Nothing is mutated.
 *
 * Transformations compose with `chain`; `applyUpdates(params, updates)` adds the final updates
 * (which already carry the minus sign of descent) to the parameters.
 */
export interface GradientTransformation<S = unknown> {
  /** The initial state for parameters `params`. */
  init<T>(params: T): S;
  /** Transforms `updates` (same structure as the params) and advances the state. */
  update<T>(updates: T, state: S, params?: T): [T, S];
}

/** The state type of a transformation. */
export type StateOf<G> = G extends GradientTransformation<infer S> ? S : never;

/**
 * Runs transformations in sequence, each on the previous one's updates; the state is the tuple
 * of their states, in order (so a checkpoint names them `opt[0]…`, `opt[1]…`). Order matters:
 * `chain(clipByGlobalNorm(1), adam(lr))` clips raw gradients, the reverse would clip steps.
 * @example
 * const opt = chain(clipByGlobalNorm(1), adam(1e-3)); // clip, then Adam
 * const state = opt.init(params); // [clip state, Adam state]
 */
export function chain<S extends unknown[]>(
  ...transforms: { [K in keyof S]: GradientTransformation<S[K]> }
): GradientTransformation<S> {
  const ts = transforms as readonly GradientTransformation<unknown>[];
  return {
    init(params) {
      return ts.map((t) => t.init(params)) as S;
    },
    update(updates, state, params) {
      if (!Array.isArray(state) || state.length !== ts.length) {
        const got = Array.isArray(state) ? `an array of ${state.length}` : typeof state;
        throw new InvalidArgumentError(
          `chain: the state must be an array with one entry per transformation (${ts.length}), ` +
            `got ${got}; was it created by this chain's init (or another optimizer's)?`,
        );
      }
      const next: unknown[] = [];
      let u = updates;
      ts.forEach((t, i) => {
        const [out, s] = t.update(u, state[i], params);
        u = out;
        next.push(s);
      });
      return [u, next as S];
    },
  };
}

/**
 * params + updates, leaf by leaf, keeping each parameter's dtype (a float64 learning-rate
 * schedule must not promote float32 weights).
 * @example
 * const [updates, nextState] = opt.update(grad(loss)(params), state, params);
 * params = applyUpdates(params, updates); // params + updates, leaf by leaf
 */
export function applyUpdates<T>(params: T, updates: T): T {
  return mapLike((p: Tensor, u: Tensor) => p.add(u).astype(p.dtype), params, updates);
}
