// SPDX-License-Identifier: MIT
import { TreeStructureError, tree } from '@loom/core';

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * One value per leaf of `t` (flatten order) from a tree of values that has the structure of `t`
 * or is a prefix of it: a value at an inner node covers that whole subtree (a mask
 * `{ embedding: false, lstm: true }`, labels `{ embedding: 'frozen', lstm: 'adam' }`). `op` names
 * the caller in errors, `isValue` tells values from inner nodes. Errors name the first path where
 * the prefix does not fit.
 */
export function expandPrefix<V>(
  op: string,
  prefix: unknown,
  t: unknown,
  isValue: (node: unknown) => node is V,
  what: string,
): V[] {
  const out: V[] = [];
  const stack: [unknown, unknown, string][] = [[prefix, t, '']];
  while (stack.length > 0) {
    const [m, node, path] = stack.pop()!;
    if (isValue(m)) {
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
          `${op}: the ${what} at ${at} has keys [${mkeys.join(', ')}] but the params have ` +
            `[${keys.join(', ')}]; give a ${what} entry per leaf or per subtree.`,
        );
      }
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push([m[keys[i]], node[keys[i]], `${path}.${keys[i]}`]);
      }
    } else {
      throw new TreeStructureError(
        `${op}: the ${what} does not match the params at ${at} (a ${what} node must be a leaf ` +
          `value, or an array/object with the same length/keys as the params there).`,
      );
    }
  }
  return out;
}
