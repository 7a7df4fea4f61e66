// SPDX-License-Identifier: MIT
// gather (take along one axis) and its transpose scatter_add: a linear pair, so each one's
// transpose rule is the other.
import { DtypeError, InvalidArgumentError } from '../errors.js';
import * as layout from '../kernels/layout.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { scalar, tensor } from '../tensor/create.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { formatShape, normalizeAxis, type Shape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive, UndefPrimal } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { addPrim } from './add.js';
import { moveAxis, moveBatchAxis, reshapeTo, shiftAxis } from './batching.js';
import { ge, lt } from './comparisons.js';
import { checkIndexRange, clampedIndices, fillValue, outOfRange } from './index_range.js';
import { iotaPrim } from './iota.js';
import { mulPrim } from './mul.js';
import { select } from './select.js';
import { transposePrim } from './transpose.js';

export interface GatherParams {
  readonly [key: string]: unknown;
  readonly axis: number;
}

export interface ScatterAddParams extends GatherParams {
  /** Shape of the result (the operand that was gathered from). */
  readonly shape: Shape;
}

function checkIndices(op: string, indices: ShapedArray): void {
  if (indices.dtype !== 'int32') {
    throw new DtypeError(`${op}: indices ${indices} must be int32 (use astype(indices, 'int32')).`);
  }
}

/**
 * x.take(indices, axis) with JAX's mode='fill': an out-of-range index (possible only when the
 * indices were traced: concrete ones are rejected by `take`) yields a slice of `fillValue`
 * (NaN for floats), never another row's data.
 */
function gatherFilled(x: ConcreteTensor, indices: TypedArray, axis: number, out: ShapedArray) {
  const bad = outOfRange(indices, x.shape[axis]);
  if (bad.length === 0) return layout.gather(x.buffer, x.shape, indices, axis, out.dtype);
  const result = layout.gather(x.buffer, x.shape, clampedIndices(indices, bad), axis, out.dtype);
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const k = indices.length;
  const fill = fillValue(out.dtype);
  for (let o = 0; o < outer; o++) {
    for (const j of bad) result.fill(fill, (o * k + j) * inner, (o * k + j + 1) * inner);
  }
  return result;
}

/** scatter_add that drops the updates at out-of-range indices (JAX's mode='drop'). */
function scatterAddDropping(
  updates: ConcreteTensor,
  indices: TypedArray,
  axis: number,
  shape: Shape,
  dtype: DType,
) {
  const bad = outOfRange(indices, shape[axis]);
  if (bad.length === 0) return layout.scatterAdd(updates.buffer, shape, indices, axis, dtype);
  const kept = updates.buffer.slice();
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const k = indices.length;
  for (let o = 0; o < outer; o++) {
    for (const j of bad) kept.fill(0, (o * k + j) * inner, (o * k + j + 1) * inner);
  }
  return layout.scatterAdd(kept, shape, clampedIndices(indices, bad), axis, dtype);
}

export const gatherPrim: Primitive<GatherParams> = definePrimitive<GatherParams>({
  name: 'gather',
  abstractEval([x, indices], { axis }) {
    checkIndices('take', indices);
    const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    return [new ShapedArray(shape, x.dtype)];
  },
  impl([x, indices], { axis }, [out]) {
    return [new ConcreteTensor(gatherFilled(x, indices.buffer, axis, out), out.shape)];
  },
  jvp([x, indices], [t], params) {
    return [
      [bind1(gatherPrim, [x, indices], params)],
      [t && bind1(gatherPrim, [t, indices], params)],
    ];
  },
  transpose([ct], [x, indices], { axis }) {
    if (!ct || !(x instanceof UndefPrimal)) return [null, null];
    return [bind1(scatterAddPrim, [ct, indices as Tensor], { axis, shape: x.aval.shape }), null];
  },
  batch(size, [x, indices], [dx, di], { axis }) {
    if (di === null) {
      // Gathering along a shifted axis: the batch axis passes through untouched.
      const d = dx!;
      const full = shiftAxis(axis, d);
      const out = bind1(gatherPrim, [x, indices], { axis: full });
      return [[out], [d < full ? d : d - 1 + indices.ndim]];
    }
    if (dx === null) {
      // Batched indices into a shared operand: their batch axis lands inside the index axes.
      return [[bind1(gatherPrim, [x, indices], { axis })], [axis + di]];
    }
    // Both batched: fold the batch into the gathered axis, x -> [B·N, ...] with indices offset
    // by b·N, so one gather serves every example.
    const xb = moveAxis(moveAxis(x, dx, 0), axis + 1, 1); // [B, N, pre..., post...]
    const n = xb.shape[1];
    const rest = xb.shape.slice(2);
    const flat = reshapeTo(xb, [size * n, ...rest]);
    const idx = offsetIndices(moveAxis(indices, di, 0), size, n); // [B, idx...]
    const g = bind1(gatherPrim, [flat, idx], { axis: 0 }); // [B, idx..., pre..., post...]
    // Reorder to [B, pre..., idx..., post...].
    const k = indices.ndim - 1;
    const perm = [
      0,
      ...range(1 + k, axis),
      ...range(1, k),
      ...range(1 + k + axis, rest.length - axis),
    ];
    return [[bind1(transposePrim, [g], { permutation: perm })], [0]];
  },
});

const range = (start: number, n: number) => Array.from({ length: n }, (_, i) => start + i);

/**
 * indices[b, ...] + b·n: per-example indices into a [B·n, ...] flattened operand. An index
 * outside [0, n) becomes -1, out of range of the flattened axis too: shifted, it would read or
 * write another example's row instead of being filled (gather) or dropped (scatter_add).
 */
function offsetIndices(indices: Tensor, size: number, n: number): Tensor {
  const shape = [size, ...indices.shape.slice(1).map(() => 1)];
  const offsets = bind1(iotaPrim, [], { shape, dimension: 0, dtype: 'int32' });
  const scaled = bind1(mulPrim, [offsets, scalar(n, 'int32')], {});
  const belowN = select(ge(indices, n), -1, indices);
  const shifted = bind1(addPrim, [belowN, scaled], {});
  return select(lt(belowN, 0), -1, shifted);
}

export const scatterAddPrim: Primitive<ScatterAddParams> = definePrimitive<ScatterAddParams>({
  name: 'scatter_add',
  abstractEval([updates, indices], { axis, shape }) {
    checkIndices('scatter_add', indices);
    const expected = [...shape.slice(0, axis), ...indices.shape, ...shape.slice(axis + 1)];
    if (formatShape(expected) !== formatShape(updates.shape)) {
      throw new InvalidArgumentError(
        `scatter_add: updates ${updates} should have shape ${formatShape(expected)} for indices ` +
          `${indices} into ${formatShape(shape)} along axis ${axis}.`,
      );
    }
    return [new ShapedArray(shape, updates.dtype)];
  },
  impl([updates, indices], { axis, shape }, [out]) {
    return [
      new ConcreteTensor(
        scatterAddDropping(updates, indices.buffer, axis, shape, out.dtype),
        shape,
      ),
    ];
  },
  jvp([u, indices], [t], params) {
    return [
      [bind1(scatterAddPrim, [u, indices], params)],
      [t && bind1(scatterAddPrim, [t, indices], params)],
    ];
  },
  transpose([ct], [u, indices], { axis }) {
    if (!ct || !(u instanceof UndefPrimal)) return [null, null];
    return [bind1(gatherPrim, [ct, indices as Tensor], { axis }), null];
  },
  batch(size, [updates, indices], [du, di], { axis, shape }) {
    if (di === null) {
      // Shared indices: the batch axis of the updates is one more untouched axis of the result.
      const u = moveAxis(updates, du!, 0);
      const out = bind1(scatterAddPrim, [u, indices], { axis: axis + 1, shape: [size, ...shape] });
      return [[out], [0]];
    }
    // Batched indices: scatter into a [B·N, pre..., post...] buffer with offset indices.
    const k = indices.ndim - 1;
    const u = moveBatchAxis(size, du, 0, updates); // [B, pre..., idx..., post...]
    const pre = shape.slice(0, axis);
    const post = shape.slice(axis + 1);
    const n = shape[axis];
    const perm = [0, ...range(1 + axis, k), ...range(1, axis), ...range(1 + axis + k, post.length)];
    const uT = bind1(transposePrim, [u], { permutation: perm }); // [B, idx..., pre..., post...]
    const idx = offsetIndices(moveAxis(indices, di, 0), size, n);
    const flat = bind1(scatterAddPrim, [uT, idx], { axis: 0, shape: [size * n, ...pre, ...post] });
    const out = moveAxis(reshapeTo(flat, [size, n, ...pre, ...post]), 1, axis + 1);
    return [[out], [0]];
  },
});

/**
 * Picks slices of `x` along `axis` at `indices` (an embedding lookup when axis is 0): the result
 * has shape x.shape[:axis] + indices.shape + x.shape[axis+1:].
 */
export function take(x: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor {
  const idx = Array.isArray(indices)
    ? tensor(indices as number[], { dtype: 'int32' })
    : (indices as Tensor);
  const ax = normalizeAxis('take', axis, x.ndim, x.shape);
  if (idx.dtype === 'int32') checkIndexRange('take', idx, x.shape[ax]);
  return bind1(gatherPrim, [x, idx], { axis: ax });
}

/** Adds slices of `updates` into zeros of `shape` at `indices` along `axis` (repeats add up). */
export function scatterAdd(updates: Tensor, indices: Tensor, shape: Shape, axis = 0): Tensor {
  const ax = normalizeAxis('scatterAdd', axis, shape.length, shape);
  if (indices.dtype === 'int32') checkIndexRange('scatterAdd', indices, shape[ax]);
  return bind1(scatterAddPrim, [updates, indices], { axis: ax, shape: [...shape] });
}
