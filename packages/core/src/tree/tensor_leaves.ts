// SPDX-License-Identifier: MIT
import { TreeStructureError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { flatten, keyPaths, type TreeDef } from './tree.js';

/** ` at .w[0]` for a leaf path, or nothing at the root (for error messages). */
export const pathSuffix = (path: string): string => (path === '<root>' ? '' : ` at ${path}`);

/**
 * The tensor leaves of a tree with its structure and leaf paths; a non-tensor leaf is a
 * TreeStructureError naming `op`, `what` and the leaf's path.
 */
export function tensorLeaves(
  op: string,
  what: string,
  tree: unknown,
): [Tensor[], TreeDef, string[]] {
  const [leaves, def] = flatten<unknown>(tree);
  const paths = keyPaths(tree);
  leaves.forEach((leaf, i) => {
    if (!(leaf instanceof Tensor)) {
      throw new TreeStructureError(
        `${op}: ${what}${pathSuffix(paths[i])} is ${leaf === null ? 'null' : typeof leaf}; it ` +
          'must be a Tensor (or a tree of Tensors).',
      );
    }
  });
  return [leaves as Tensor[], def, paths];
}
