// SPDX-License-Identifier: MIT
// Structural edits of parameter trees with immer: swap a sub-module's parameters, split a tree
// into trainable and frozen parts, build masks. immer copies only the spine of objects and
// arrays along the edited paths (structural sharing); tensors are opaque, immutable leaves
// that are never drafted or frozen. These run between training phases, never in a hot loop.
import { InvalidArgumentError, type Tensor, tree } from '@loom/core';
import { produce } from 'immer';
import type { MaskTree } from './optim/masked.js';
import type { LabelTree } from './optim/multi_transform.js';

/** A path into a tree: object keys and array indices, e.g. `['encoder', 'layers', 0, 'w']`. */
export type TreePath = readonly (string | number)[];

type Container = Record<string | number, unknown>;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

const isContainer = (x: unknown): x is Container => Array.isArray(x) || isPlainObject(x);

function formatPath(path: TreePath): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('') || '<root>';
}

/** The subtree at `path`, with an error naming the first step that does not exist. */
export function getSubtree(t: unknown, path: TreePath): unknown {
  let node = t;
  path.forEach((step, i) => {
    const ok = Array.isArray(node)
      ? typeof step === 'number' && Number.isInteger(step) && step >= 0 && step < node.length
      : isPlainObject(node) && typeof step === 'string' && Object.hasOwn(node, step);
    if (!ok) {
      throw new InvalidArgumentError(
        `tree path ${formatPath(path)}: ${formatPath(path.slice(0, i + 1))} does not exist ` +
          `(${formatPath(path.slice(0, i))} is ${Array.isArray(node) ? `an array of length ${node.length}` : isPlainObject(node) ? `an object with keys [${Object.keys(node).join(', ')}]` : 'a leaf'}).`,
      );
    }
    node = (node as Container)[step];
  });
  return node;
}

/**
 * A copy of `t` with the subtree at `path` replaced by `value` (e.g. load pretrained embedding
 * parameters into a fresh model). The path must exist; untouched branches are shared.
 */
export function replaceSubtree<T>(t: T, path: TreePath, value: unknown): T {
  getSubtree(t, path);
  if (path.length === 0) return value as T;
  return produce(t as Container, (draft) => {
    let node = draft as Container;
    for (const step of path.slice(0, -1)) node = node[step] as Container;
    node[path[path.length - 1]] = value;
  }) as T;
}

/** Every leaf of `t` with its path (flatten order), found on the plain tree, not on drafts. */
function leafPaths(t: unknown): [TreePath, unknown][] {
  const out: [TreePath, unknown][] = [];
  const stack: [unknown, TreePath][] = [[t, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (node === null || node === undefined) continue;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], [...path, i]]);
    } else if (isPlainObject(node)) {
      const keys = Object.keys(node).sort();
      for (let i = keys.length - 1; i >= 0; i--) stack.push([node[keys[i]], [...path, keys[i]]]);
    } else out.push([path, node]);
  }
  return out;
}

/** Replaces the leaf at each path by `f(leaf, path)`, with immer on the structure. */
function mapLeafPaths<R>(t: unknown, f: (leaf: unknown, path: TreePath) => unknown): R {
  const leaves = leafPaths(t);
  if (!isContainer(t)) return (leaves.length === 0 ? t : f(t, [])) as R;
  return produce(t, (draft) => {
    for (const [path, leaf] of leaves) {
      let node = draft as Container;
      for (const step of path.slice(0, -1)) node = node[step] as Container;
      node[path[path.length - 1]] = f(leaf, path);
    }
  }) as R;
}

/** A leaf predicate: its checkpoint-style name (`lstm.wx`, `layers[0].b`), leaf and path. */
export type LeafPredicate = (name: string, leaf: Tensor, path: TreePath) => boolean;

const nameOf = (path: TreePath) => formatPath(path).replace(/^\./, '');

/**
 * A boolean mask with the structure of `t`: true where `predicate` holds (for `masked(opt,
 * mask)`, e.g. which parameters `addDecayedWeights` decays, or adamw's `mask`).
 * @example const decayed = trainableMask(params, (name) => name.endsWith('.w'));
 */
export function trainableMask(t: unknown, predicate: LeafPredicate): MaskTree {
  return mapLeafPaths<MaskTree>(t, (leaf, path) => predicate(nameOf(path), leaf as Tensor, path));
}

/**
 * A label per leaf of `t` (for `multiTransform`): `label(name, leaf, path)` for each one.
 * @example
 * const labels = leafLabels(params, (name) => (name.startsWith('embedding.') ? 'frozen' : 'train'));
 * const opt = multiTransform({ train: adam(1e-3), frozen: setToZero() }, labels);
 */
export function leafLabels(
  t: unknown,
  label: (name: string, leaf: Tensor, path: TreePath) => string,
): LabelTree {
  return mapLeafPaths<LabelTree>(t, (leaf, path) => label(nameOf(path), leaf as Tensor, path));
}

/**
 * Splits `t` into `[selected, rest]` of the same structure: leaves where `predicate` holds go to
 * the first tree, the others to the second, with null in their place (equinox's partition).
 * Differentiate with respect to the first and close over the second to freeze it.
 */
export function partition<T>(t: T, predicate: LeafPredicate): [T, T] {
  const flags = new Map<string, boolean>();
  for (const [path, leaf] of leafPaths(t)) {
    flags.set(nameOf(path), predicate(nameOf(path), leaf as Tensor, path));
  }
  return [
    mapLeafPaths<T>(t, (leaf, path) => (flags.get(nameOf(path)) ? leaf : null)),
    mapLeafPaths<T>(t, (leaf, path) => (flags.get(nameOf(path)) ? null : leaf)),
  ];
}

/**
 * The inverse of `partition`: fills the null leaves of `a` from `b` (which must have a leaf
 * wherever `a` has null). Structures otherwise follow `a`.
 */
export function combine<T>(a: T, b: T): T {
  const holes: TreePath[] = [];
  const stack: [unknown, TreePath][] = [[a, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (node === null || node === undefined) holes.push(path);
    else if (Array.isArray(node)) {
      node.forEach((c, i) => {
        stack.push([c, [...path, i]]);
      });
    } else if (isPlainObject(node)) {
      for (const k of Object.keys(node)) stack.push([node[k], [...path, k]]);
    }
  }
  if (holes.some((p) => p.length === 0)) return b;
  return produce(a as Container, (draft) => {
    for (const path of holes) {
      const fill = getSubtree(b, path);
      if (fill === null || fill === undefined) continue;
      let node = draft as Container;
      for (const step of path.slice(0, -1)) node = node[step] as Container;
      node[path[path.length - 1]] = fill;
    }
  }) as T;
}

/** The number of scalar parameters in a tree (the sum of its tensors' sizes). */
export function countParams(t: unknown): number {
  return tree.leaves<Tensor>(t).reduce((n, l) => n + l.size, 0);
}
