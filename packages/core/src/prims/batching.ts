// SPDX-License-Identifier: MIT
// Helpers shared by the batching (vmap) rules of the primitives. A batched value is a tensor with
// one extra axis, its batch dimension (`bdim`); `null` marks a value that is the same for every
// example. Rules are written with `bind`, so they compose with every other transformation.
import type { Tensor } from '../tensor/tensor.js';
import type { Params, Primitive } from '../trace/primitive.js';
import { bind, bind1 } from '../trace/trace.js';
import { broadcastInDimPrim } from './broadcast_in_dim.js';
import { reshapePrim } from './reshape.js';
import { transposePrim } from './transpose.js';

export type BatchDim = number | null;

/** Moves axis `from` of `x` to position `to` (a transpose, or nothing when they are equal). */
export function moveAxis(x: Tensor, from: number, to: number): Tensor {
  if (from === to) return x;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return bind1(transposePrim, [x], { permutation: perm });
}

/** Inserts a new axis of size `size` at position `at` (a broadcast, no data copy in the IR). */
export function broadcastBatch(x: Tensor, size: number, at: number): Tensor {
  const shape = [...x.shape];
  shape.splice(at, 0, size);
  const dims = x.shape.map((_, i) => (i < at ? i : i + 1));
  return bind1(broadcastInDimPrim, [x], { shape, broadcastDimensions: dims });
}

/** `x` with its batch axis at `to`; unbatched values are broadcast to `size` there. */
export function moveBatchAxis(size: number, from: BatchDim, to: number, x: Tensor): Tensor {
  return from === null ? broadcastBatch(x, size, to) : moveAxis(x, from, to);
}

/** Reshapes without a primitive when the shape is unchanged. */
export function reshapeTo(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.length === x.ndim && shape.every((d, i) => d === x.shape[i])) return x;
  return bind1(reshapePrim, [x], { shape: [...shape] });
}

/** The full-rank position of per-example axis `a` when the batch axis sits at `bdim`. */
export function shiftAxis(a: number, bdim: number): number {
  return a < bdim ? a : a + 1;
}

/** Inserts `value` at position `at` of a list. */
export function insertAt<T>(xs: readonly T[], at: number, value: T): T[] {
  const out = [...xs];
  out.splice(at, 0, value);
  return out;
}

/** Batching rule for a primitive acting on one operand whose layout is axis-wise unchanged. */
export function unaryBatch(prim: Primitive) {
  return (
    _size: number,
    [x]: Tensor[],
    [d]: BatchDim[],
    params: Params,
  ): [Tensor[], BatchDim[]] => [bind(prim, [x], params), [d]];
}

/**
 * The batching rule shared by every elementwise primitive (numpy broadcasting): batched operands
 * get their batch axis at 0 and, when their per-example rank is below the result's, size-1 axes
 * after it so that trailing axes still line up; unbatched operands broadcast as they are.
 */
export function elementwiseBatch(
  prim: Primitive,
  size: number,
  args: Tensor[],
  dims: BatchDim[],
  params: Params,
): [Tensor[], BatchDim[]] {
  if (args.length === 1) return [bind(prim, args, params), [dims[0]]];
  const ranks = args.map((x, i) => x.ndim - (dims[i] === null ? 0 : 1));
  const outRank = Math.max(...ranks);
  // Fast path (no transposes): the batched operands share one batch axis at full rank and the
  // unbatched ones only reach axes after it, so numpy's right-aligned broadcasting lines up.
  const d0 = dims.find((d) => d !== null) ?? 0;
  const fits = dims.every((d, i) =>
    d === null ? ranks[i] <= outRank - d0 : d === d0 && ranks[i] === outRank,
  );
  if (fits) return [bind(prim, args, params), [d0]];
  const aligned = args.map((x, i) => {
    const d = dims[i];
    if (d === null) return x;
    const moved = moveAxis(x, d, 0);
    const pad = outRank - ranks[i];
    return pad === 0
      ? moved
      : reshapeTo(moved, [size, ...new Array<number>(pad).fill(1), ...moved.shape.slice(1)]);
  });
  return [bind(prim, aligned, params), [0]];
}
