// SPDX-License-Identifier: MIT
import { type Tensor, tree } from '@loom/core';
import type { GradientTransformation } from './base.js';
import { expandPrefix } from './prefix_tree.js';

/**
 * A mask over a parameter tree: the same structure with boolean leaves, or a prefix of it whose
 * boolean leaves cover whole subtrees (e.g. `{ embedding: false, lstm: true }`).
 */
export type MaskTree = boolean | readonly MaskTree[] | { readonly [key: string]: MaskTree };

/** A mask, or a function computing it from the params (called at init and every update). */
export type Mask = MaskTree | ((params: unknown) => MaskTree);

/**
 * One boolean per leaf of `t` (flatten order) from a full or prefix mask, with a clear error
 * naming the first path where the mask does not fit.
 */
export function expandMask(mask: MaskTree, t: unknown, op = 'masked'): boolean[] {
  return expandPrefix(op, mask, t, (m): m is boolean => typeof m === 'boolean', 'mask');
}

/** The tree with every leaf whose flag is false replaced by null (an empty subtree). */
function keepWhere<T>(t: T, flags: readonly boolean[]): T {
  const [leaves, def] = tree.flatten<Tensor>(t);
  return tree.unflatten<T>(
    def,
    leaves.map((l, i) => (flags[i] ? l : null)),
  );
}

/**
 * Applies `opt` only where the mask is true, as optax.masked: masked-out updates pass through
 * UNCHANGED, so `chain(masked(addDecayedWeights(wd), decayMask), sgd(lr))` decays the weights
 * and still trains the biases. The inner state covers only the masked-in leaves (masked-out
 * positions are null, like optax's MaskedNode), so they cost no optimizer memory. To freeze
 * parameters use `multiTransform({ train: adam(lr), frozen: setToZero() }, labels)`.
 * @example
 * const decayWeightsOnly = chain(masked(addDecayedWeights(1e-4), { w: true, b: false }), sgd(0.1));
 */
export function masked<S>(opt: GradientTransformation<S>, mask: Mask): GradientTransformation<S> {
  const flagsFor = (params: unknown) =>
    expandMask(typeof mask === 'function' ? mask(params) : mask, params);
  return {
    init: (params) => opt.init(keepWhere(params, flagsFor(params))),
    update(u, state, params) {
      const flags = flagsFor(params ?? u);
      const [inner, next] = opt.update(
        keepWhere(u, flags),
        state,
        params === undefined ? undefined : keepWhere(params, flags),
      );
      const [leaves, def] = tree.flatten<Tensor>(u);
      const innerLeaves = tree.leaves<Tensor>(inner);
      let k = 0;
      const out = leaves.map((g, i) => (flags[i] ? innerLeaves[k++] : g));
      return [tree.unflatten<typeof u>(def, out), next];
    },
  };
}
