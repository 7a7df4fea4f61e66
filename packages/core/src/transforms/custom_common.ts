// SPDX-License-Identifier: MIT
// Helpers shared by customJvp and customVjp: flattening the user's argument trees, tracing the
// user's functions to jaxprs, checking what user rules return against the primal types, and
// batching a flat function with every output at axis 0.
import { pathSuffix, tensorLeaves } from '../tree/tensor_leaves.js';

export { tensorLeaves };

import { DtypeError, InvalidArgumentError, ShapeError, TreeStructureError } from '../errors.js';
import { type BatchDim, moveBatchAxis } from '../prims/batching.js';
import { ShapedArray } from '../tensor/aval.js';
import { zeros } from '../tensor/create.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { MaybeZero } from '../trace/primitive.js';
import { type TreeDef, unflatten } from '../tree/tree.js';
import { batchFlat } from './vmap.js';

/**
 * A user rule held in a primitive's params. Its `toJSON` keeps IR listings readable: the
 * printer shows `bwd="customVjp bwd"` instead of the function's source text.
 */
export class OpaqueRule<F> {
  constructor(
    readonly label: string,
    readonly fn: F,
  ) {}

  toJSON(): string {
    return this.label;
  }
}

/** The arguments of a call, flattened one argument at a time (bwd answers per argument). */
export interface FlatArguments {
  readonly leaves: Tensor[];
  readonly defs: TreeDef[];
  /** `paths[i][j]`: the key path of leaf j of argument i. */
  readonly paths: string[][];
  readonly avals: ShapedArray[];
}

export function flattenArguments(op: string, args: readonly unknown[]): FlatArguments {
  const leaves: Tensor[] = [];
  const defs: TreeDef[] = [];
  const paths: string[][] = [];
  args.forEach((arg, i) => {
    const [ls, def, ps] = tensorLeaves(op, `argument ${i}`, arg);
    leaves.push(...ls);
    defs.push(def);
    paths.push(ps);
  });
  return { leaves, defs, paths, avals: leaves.map((t) => new ShapedArray(t.shape, t.dtype)) };
}

/** Splits flat leaves back into one list per argument. */
export function splitByArgument(defs: readonly TreeDef[], flat: readonly Tensor[]): Tensor[][] {
  let k = 0;
  return defs.map((def) => {
    const part = flat.slice(k, k + def.numLeaves);
    k += def.numLeaves;
    return part;
  });
}

/** The argument trees rebuilt from flat leaves (one tree per argument). */
export function rebuildArguments(defs: readonly TreeDef[], flat: readonly Tensor[]): unknown[] {
  return splitByArgument(defs, flat).map((part, i) => unflatten(defs[i], part));
}

/** A short description of what a user rule returned, for error messages. */
export function describeValue(x: unknown): string {
  if (x instanceof Tensor) return `a Tensor ${x.aval}`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  return x === null ? 'null' : typeof x;
}

/** Rejects a non-function where a user function is expected. */
export function checkFunction(op: string, name: string, fn: unknown): void {
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError(`${op}: ${name} must be a function, got ${describeValue(fn)}.`);
  }
}

/**
 * Checks that `got[i]` has the shape and dtype `expected[i]`: a ShapeError or DtypeError naming
 * the operation, `what` and the leaf's path, with both types.
 */
export function checkLeafTypes(
  op: string,
  what: string,
  got: readonly Tensor[],
  expected: readonly ShapedArray[],
  paths: readonly string[],
  reference: string,
): void {
  got.forEach((t, i) => {
    const e = expected[i];
    const where = `${what}${pathSuffix(paths[i] ?? '<root>')}`;
    if (t.shape.length !== e.shape.length || t.shape.some((d, j) => d !== e.shape[j])) {
      throw new ShapeError(
        `${op}: ${where} has shape ${formatShape(t.shape)} (${t.dtype}), but ${reference} has ` +
          `shape ${formatShape(e.shape)} (${e.dtype}); they must match.`,
      );
    }
    if (t.dtype !== e.dtype) {
      throw new DtypeError(
        `${op}: ${where} has dtype ${t.dtype}, but ${reference} has dtype ${e.dtype} ` +
          `(shape ${formatShape(e.shape)}); they must match.`,
      );
    }
  });
}

/** Checks that `got` has the structure `expected`, naming both. */
export function checkStructure(
  op: string,
  what: string,
  got: TreeDef,
  expected: TreeDef,
  reference: string,
): void {
  if (!got.equals(expected)) {
    throw new TreeStructureError(
      `${op}: ${what} has the tree structure ${got.key}, but ${reference} has ${expected.key}; ` +
        'they must match.',
    );
  }
}

/** Symbolic zeros made concrete, for user rules that expect tensors. */
export function instantiateZeros(
  values: readonly MaybeZero[],
  avals: readonly ShapedArray[],
): Tensor[] {
  return values.map((v, i) => v ?? zeros(avals[i].shape, avals[i].dtype));
}

/**
 * `fn` batched over `size` examples, inputs batched along `dims` (null: shared), every output
 * returned with its batch axis at 0 (unbatched outputs are broadcast). Null outputs stay null.
 */
export function batchAllToFront(
  fn: (...args: Tensor[]) => MaybeZero[],
  size: number,
  vals: readonly Tensor[],
  dims: readonly BatchDim[],
): MaybeZero[] {
  let nulls: boolean[] = [];
  const [outs, outDims] = batchFlat(
    (...xs) => {
      const r = fn(...xs);
      nulls = r.map((t) => t === null);
      return r.filter((t): t is Tensor => t !== null);
    },
    size,
    vals,
    dims,
  );
  let k = 0;
  return nulls.map((isNull) => {
    if (isNull) return null;
    const i = k++;
    return moveBatchAxis(size, outDims[i], 0, outs[i]);
  });
}

/** `x` with its batch axis moved to 0 (or unchanged when it has none). */
export function batchToFront(size: number, x: Tensor, dim: BatchDim): Tensor {
  return dim === null ? x : moveBatchAxis(size, dim, 0, x);
}

/**
 * The error for a closed-over value that a transformation would need to see through: the custom
 * rule only speaks about explicit arguments, so treating it as a constant would be silently wrong.
 */
export function closedOverError(
  op: string,
  aval: ShapedArray,
  transformation: string,
): InvalidArgumentError {
  return new InvalidArgumentError(
    `${op}: the function closes over a value ${aval} that is ${transformation}; the custom ` +
      'rule only covers explicit arguments, so it would be treated as a constant. Pass that ' +
      `value as an argument of the ${op} function instead.`,
  );
}
