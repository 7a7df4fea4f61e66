// SPDX-License-Identifier: MIT
import { DtypeError, InvalidArgumentError, TreeStructureError } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { flatten, keyPaths, type TreeDef, unflatten } from '../tree/tree.js';

/** Arguments split into the differentiated leaves and a way to put them back. */
export interface FlatArgs {
  leaves: Tensor[];
  /** Rebuilds the full argument list with new leaves in the differentiated positions. */
  rebuild(leaves: readonly Tensor[]): unknown[];
  /** Splits flat per-leaf results back into one tree per differentiated argument. */
  unflattenPerArg(values: readonly unknown[]): unknown[];
}

export function normalizeArgnums(
  op: string,
  argnums: number | readonly number[],
  numArgs: number,
): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= numArgs) {
      throw new InvalidArgumentError(
        `${op}: argnums=${JSON.stringify(argnums)} refers to argument ${a}, but the function was ` +
          `called with ${numArgs} positional argument${numArgs === 1 ? '' : 's'} (valid: 0..${numArgs - 1}).`,
      );
    }
  }
  if (new Set(list).size !== list.length) {
    throw new InvalidArgumentError(
      `${op}: argnums=${JSON.stringify(argnums)} repeats an argument.`,
    );
  }
  return list;
}

/**
 * Flattens the arguments at `argnums` into tensor leaves, checking every leaf is a float tensor
 * (differentiation needs one) and naming the offending path otherwise.
 */
export function flattenDiffArgs(
  op: string,
  args: readonly unknown[],
  argnums: readonly number[],
  requireFloat: boolean,
): FlatArgs {
  const defs: TreeDef[] = [];
  const leaves: Tensor[] = [];
  for (const i of argnums) {
    const [ls, def] = flatten<unknown>(args[i]);
    const paths = keyPaths(args[i]);
    ls.forEach((leaf, j) => {
      const path = `argument ${i}${paths[j] === '<root>' ? '' : ` at ${paths[j]}`}`;
      if (!(leaf instanceof Tensor)) {
        throw new TreeStructureError(
          `${op}: ${path} is ${typeof leaf}, not a Tensor; only tensors can be differentiated. ` +
            'Wrap numbers with tensor(...) or move static values out of the differentiated arguments.',
        );
      }
      if (requireFloat && !isFloat(leaf.dtype)) {
        throw new DtypeError(
          `${op}: ${path} has dtype ${leaf.dtype} (shape [${leaf.shape.join(',')}]); gradients are ` +
            'defined only for float32/float64 inputs. Convert it with astype, or pass it in an ' +
            'argument not listed in argnums.',
        );
      }
      leaves.push(leaf);
    });
    defs.push(def);
  }
  return {
    leaves,
    rebuild(newLeaves) {
      const out = [...args];
      let k = 0;
      argnums.forEach((argIndex, j) => {
        const n = defs[j].numLeaves;
        out[argIndex] = unflatten(defs[j], newLeaves.slice(k, k + n));
        k += n;
      });
      return out;
    },
    unflattenPerArg(values) {
      let k = 0;
      return defs.map((def) => {
        const part = values.slice(k, k + def.numLeaves);
        k += def.numLeaves;
        return unflatten(def, part);
      });
    },
  };
}

/** Flattens a function's output tree, requiring tensor leaves. */
export function flattenOutput(op: string, out: unknown): [Tensor[], TreeDef] {
  const [ls, def] = flatten<unknown>(out);
  const paths = keyPaths(out);
  ls.forEach((leaf, j) => {
    if (!(leaf instanceof Tensor)) {
      throw new TreeStructureError(
        `${op}: the function's output${paths[j] === '<root>' ? '' : ` at ${paths[j]}`} is ${typeof leaf}; ` +
          'outputs must be Tensors (or trees of them).',
      );
    }
  });
  return [ls as Tensor[], def];
}
