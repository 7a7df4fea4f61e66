// SPDX-License-Identifier: MIT
import { type Tensor, TreeStructureError, tree, zerosLike } from '@loom/core';
import type { GradientTransformation } from './base.js';

/**
 * A mask over a parameter tree: the same structure with boolean leaves, or a prefix of it whose
 * boolean leaves cover whole subtrees (e.g. `{ embedding: false, lstm: true }`).
 */
export type MaskTree = boolean | readonly MaskTree[] | { readonly [key: string]: MaskTree };

/** A mask, or a function computing it from the params (called at init and every update). */
export type Mask = MaskTree | ((params: unknown) => MaskTree);

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * One boolean per leaf of `t` (flatten order) from a full or prefix mask, with a clear error
 * naming the first path where the mask does not fit.
 */
export function expandMask(mask: MaskTree, t: unknown): boolean[] {
  const out: boolean[] = [];
  const stack: [unknown, unknown, string][] = [[mask, t, '']];
  while (stack.length > 0) {
    const [m, node, path] = stack.pop()!;
    if (typeof m === 'boolean') {
      for (let i = tree.leaves(node).length; i > 0; i--) out.push(m);
      continue;
    }
    const at = path || '<root>';
    if (Array.isArray(m) && Array.isArray(node) && m.length === node.length) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([m[i], node[i], `${path}[${i}]`]);
    } else if (isPlainObject(m) && isPlainObject(node)) {
      const keys = Object.keys(node).sort();
      const mkeys = Object.keys(m).sort();
      if (keys.join('\u0000') !== mkeys.join('\u0000')) {
        throw new TreeStructureError(
          `masked: the mask at ${at} has keys [${mkeys.join(', ')}] but the params have ` +
            `[${keys.join(', ')}]; give a boolean per leaf or per subtree.`,
        );
      }
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push([m[keys[i]], node[keys[i]], `${path}.${keys[i]}`]);
      }
    } else {
      throw new TreeStructureError(
        `masked: the mask does not match the params at ${at} (a mask node must be a boolean, ` +
          'or an array/object with the same length/keys as the params there).',
      );
    }
  }
  return out;
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
 * Applies `opt` only where the mask is true; elsewhere the updates are ZERO, so those
 * parameters stay frozen. (This differs from optax.masked, which passes masked-out updates
 * through unchanged; use it as `masked(adam(lr), trainable)`.) The inner state covers only the
 * masked-in leaves (masked-out positions are null, like optax's MaskedNode), so frozen
 * parameters cost no optimizer memory.
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
      const out = leaves.map((g, i) => (flags[i] ? innerLeaves[k++] : zerosLike(g)));
      return [tree.unflatten<typeof u>(def, out), next];
    },
  };
}
