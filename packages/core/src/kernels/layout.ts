// SPDX-License-Identifier: MIT
import { allocate, type DType, type TypedArray } from '../tensor/dtype.js';
import { type Shape, sizeOf, stridesOf } from '../tensor/shape.js';
import { forEachRow } from './strided.js';

/** Copies a strided view of `x` (start offset + per-axis strides over `outShape`) densely. */
function gatherStrided(
  x: TypedArray,
  start: number,
  strides: readonly number[],
  outShape: Shape,
  dtype: DType,
): TypedArray {
  const out = allocate(dtype, sizeOf(outShape));
  const last = outShape.length - 1;
  const step = last >= 0 ? strides[last] : 0;
  forEachRow(outShape, [strides as number[]], (offsets, n, o) => {
    let p = start + offsets[0];
    for (let i = 0; i < n; i++, p += step) out[o + i] = x[p];
  });
  return out;
}

export function transpose(x: TypedArray, shape: Shape, perm: readonly number[], dtype: DType) {
  const strides = stridesOf(shape);
  return gatherStrided(
    x,
    0,
    perm.map((p) => strides[p]),
    perm.map((p) => shape[p]),
    dtype,
  );
}

/** `out` has shape `outShape`; `dims[i]` is the output axis that input axis i maps to. */
export function broadcastInDim(
  x: TypedArray,
  shape: Shape,
  outShape: Shape,
  dims: readonly number[],
  dtype: DType,
) {
  const own = stridesOf(shape);
  const strides = outShape.map(() => 0);
  dims.forEach((d, i) => {
    if (shape[i] !== 1) strides[d] = own[i];
  });
  return gatherStrided(x, 0, strides, outShape, dtype);
}

export function slice(
  x: TypedArray,
  shape: Shape,
  starts: readonly number[],
  limits: readonly number[],
  steps: readonly number[],
  dtype: DType,
) {
  const own = stridesOf(shape);
  const outShape = starts.map((s, i) => Math.max(0, Math.ceil((limits[i] - s) / steps[i])));
  const start = starts.reduce((acc, s, i) => acc + s * own[i], 0);
  return gatherStrided(
    x,
    start,
    own.map((s, i) => s * steps[i]),
    outShape,
    dtype,
  );
}

/** The transpose of `slice`: places `x` into zeros of `outShape` at the sliced positions. */
export function pad(
  x: TypedArray,
  shape: Shape,
  outShape: Shape,
  starts: readonly number[],
  steps: readonly number[],
  dtype: DType,
) {
  const out = allocate(dtype, sizeOf(outShape));
  const own = stridesOf(outShape);
  const strides = own.map((s, i) => s * steps[i]);
  const start = starts.reduce((acc, s, i) => acc + s * own[i], 0);
  const inStrides = stridesOf(shape);
  const last = shape.length - 1;
  const step = last >= 0 ? strides[last] : 0;
  forEachRow(shape, [inStrides, strides], (offsets, n) => {
    let p = start + offsets[1];
    for (let i = 0; i < n; i++, p += step) out[p] = x[offsets[0] + i];
  });
  return out;
}

export function concatenate(
  parts: { buffer: TypedArray; shape: Shape }[],
  axis: number,
  outShape: Shape,
  dtype: DType,
) {
  const out = allocate(dtype, sizeOf(outShape));
  const outer = sizeOf(outShape.slice(0, axis));
  const inner = sizeOf(outShape.slice(axis + 1));
  const outRow = outShape[axis] * inner;
  let offset = 0;
  for (const part of parts) {
    const rowLength = part.shape[axis] * inner;
    for (let o = 0; o < outer; o++) {
      out.set(part.buffer.subarray(o * rowLength, (o + 1) * rowLength), o * outRow + offset);
    }
    offset += rowLength;
  }
  return out;
}

/** out = x.take(indices, axis): shape x.shape[:axis] + indices.shape + x.shape[axis+1:]. */
export function gather(
  x: TypedArray,
  shape: Shape,
  indices: TypedArray,
  axis: number,
  dtype: DType,
) {
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const n = shape[axis];
  const k = indices.length;
  const out = allocate(dtype, outer * k * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const src = (o * n + indices[j]) * inner;
      out.set(x.subarray(src, src + inner), (o * k + j) * inner);
    }
  }
  return out;
}

/** The transpose of `gather`: adds each slice of `updates` into zeros of `shape` at its index. */
export function scatterAdd(
  updates: TypedArray,
  shape: Shape,
  indices: TypedArray,
  axis: number,
  dtype: DType,
) {
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const n = shape[axis];
  const k = indices.length;
  const out = allocate(dtype, sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const dst = (o * n + indices[j]) * inner;
      const src = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] += updates[src + i];
    }
  }
  return out;
}
