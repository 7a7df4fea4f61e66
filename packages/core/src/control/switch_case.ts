// SPDX-License-Identifier: MIT
import { DtypeError, InvalidArgumentError, ShapeError } from '../errors.js';
import { scalar } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import { bind } from '../trace/trace.js';
import { unflatten } from '../tree/tree.js';
import { traceBranches } from './branches.js';
import { condPrim } from './cond.js';

/**
 * Runs `branches[index](...operands)` inside traced code, like JAX's `lax.switch`: every branch
 * is traced and must return the same structure, shapes and dtypes; only the chosen one runs.
 * The index is an int32 scalar (a tensor, or a JS integer) **clamped** to `[0, branches.length
 * - 1]`, so an out-of-range index picks the first or last branch. Differentiable in both modes
 * (gradients flow through the branch taken). Under `vmap` with a batched index every branch runs
 * on the whole batch and each lane keeps its own branch's result.
 * @example
 * const act = (k: Tensor, x: Tensor) =>
 *   switchCase(k, [(v: Tensor) => relu(v), (v: Tensor) => tanh(v), (v: Tensor) => v], x);
 */
export function switchCase<A extends unknown[], R>(
  index: Tensor | number,
  branches: readonly ((...ops: A) => R)[],
  ...operands: A
): R {
  if (!Array.isArray(branches) || branches.length === 0) {
    throw new InvalidArgumentError(
      `switchCase: branches must be a non-empty array of functions, got ${Array.isArray(branches) ? 'an empty array' : typeof branches}.`,
    );
  }
  branches.forEach((b, i) => {
    if (typeof b !== 'function') {
      throw new InvalidArgumentError(
        `switchCase: branch ${i} is ${typeof b}; every branch must be a function of the operands.`,
      );
    }
  });
  const idx = checkIndex(index);
  const traced = traceBranches(
    'switchCase',
    branches.map((fn, i) => ({ fn: fn as (...ops: unknown[]) => unknown, name: `branch ${i}` })),
    operands,
  );
  // One branch needs no selection, exactly like lax.switch (the index is still validated).
  if (branches.length === 1) return branches[0](...operands);
  const outs = bind(condPrim, [idx, ...traced.consts, ...traced.leaves], {
    branches: traced.branches,
  });
  return unflatten<R>(traced.outDef, outs);
}

function checkIndex(index: Tensor | number): Tensor {
  if (typeof index === 'number') {
    if (!Number.isInteger(index)) {
      throw new InvalidArgumentError(`switchCase: the index must be an integer, got ${index}.`);
    }
    return scalar(index, 'int32');
  }
  if (!(index instanceof Tensor)) {
    throw new InvalidArgumentError(
      `switchCase: the index must be an int32 scalar Tensor or an integer, got ${typeof index}.`,
    );
  }
  if (index.ndim !== 0) {
    throw new ShapeError(
      `switchCase: the index must be a scalar, got ${index.aval}; reduce or index it first (under vmap, a per-example index is fine).`,
    );
  }
  if (index.dtype !== 'int32') {
    throw new DtypeError(
      `switchCase: the index must have dtype int32, got ${index.aval}; convert it with astype(index, 'int32').`,
    );
  }
  return index;
}
