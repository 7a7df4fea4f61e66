// SPDX-License-Identifier: MIT
import { InvalidArgumentError, tree } from '@loom/core';
import type { GradientTransformation } from './base.js';
import { type MaskTree, masked } from './masked.js';
import { expandPrefix } from './prefix_tree.js';

/**
 * A label per parameter leaf: the same structure with string leaves, or a prefix of it whose
 * labels cover whole subtrees (e.g. `{ embedding: 'frozen', lstm: 'adam', out: 'adam' }`).
 */
export type LabelTree = string | readonly LabelTree[] | { readonly [key: string]: LabelTree };

/** Labels, or a function computing them from the params (called at init and every update). */
export type Labels = LabelTree | ((params: unknown) => LabelTree);

/** The state of `multiTransform`: each label's inner state, by label. */
export interface MultiTransformState {
  innerStates: Record<string, unknown>;
}

/**
 * Applies a different transformation to each group of parameters, as optax.multi_transform:
 * every leaf carries a label and gets the updates of `transforms[label]` (each inner
 * transformation sees only its own leaves, so its state covers only them). Freezing is
 * `setToZero()` under a label.
 * @example
 * const opt = multiTransform(
 *   { train: adam(1e-3), frozen: setToZero() },
 *   { embedding: 'frozen', lstm: 'train', out: 'train' },
 * );
 */
export function multiTransform(
  transforms: Readonly<Record<string, GradientTransformation<unknown>>>,
  labels: Labels,
): GradientTransformation<MultiTransformState> {
  const names = Object.keys(transforms).sort();
  if (names.length === 0) {
    throw new InvalidArgumentError('multiTransform: give at least one transformation by label.');
  }
  const labelsFor = (params: unknown): string[] => {
    const found = expandPrefix(
      'multiTransform',
      typeof labels === 'function' ? labels(params) : labels,
      params,
      (l): l is string => typeof l === 'string',
      'label',
    );
    const unknown = [...new Set(found)].filter((l) => !(l in transforms));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(
        `multiTransform: the labels ${unknown.map((l) => JSON.stringify(l)).join(', ')} have no ` +
          `transformation; known labels: ${names.map((l) => JSON.stringify(l)).join(', ')}.`,
      );
    }
    return found;
  };
  // Each group's transformation under a mask of its own label: masked passes the other leaves
  // through untouched, so running the groups in turn gives every leaf exactly its own update.
  const groupOf = (name: string) =>
    masked(transforms[name], (params: unknown) => maskTreeFrom(params, labelsFor(params), name));
  const groups = names.map((name) => [name, groupOf(name)] as const);
  return {
    init(params) {
      labelsFor(params);
      const innerStates: Record<string, unknown> = {};
      for (const [name, g] of groups) innerStates[name] = g.init(params);
      return { innerStates };
    },
    update(updates, state, params) {
      const innerStates: Record<string, unknown> = {};
      let u = updates;
      for (const [name, g] of groups) {
        if (!(name in state.innerStates)) {
          throw new InvalidArgumentError(
            `multiTransform: the state has no entry for label ${JSON.stringify(name)}; was it ` +
              "created by this optimizer's init?",
          );
        }
        const [out, s] = g.update(u, state.innerStates[name], params);
        u = out;
        innerStates[name] = s;
      }
      return [u, { innerStates }];
    },
  };
}

/** A full boolean mask with the structure of `params`: true where the leaf's label is `name`. */
function maskTreeFrom(params: unknown, perLeaf: readonly string[], name: string): MaskTree {
  const [leaves, def] = tree.flatten(params);
  return tree.unflatten<MaskTree>(
    def,
    leaves.map((_, i) => perLeaf[i] === name),
  );
}
