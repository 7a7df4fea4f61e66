// SPDX-License-Identifier: MIT
// Eager kernels of the region primitives: `rev` (a reversed read) and `dynamic_update_slice`
// (a copy of the operand with one window overwritten). Both walk rows with forEachRow.
import { allocate, type DType, type TypedArray } from '../tensor/dtype.js';
import { type Shape, sizeOf, stridesOf } from '../tensor/shape.js';
import { forEachRow } from './strided.js';

/** `x` with the listed axes reversed (a read with negative strides, copied densely). */
export function reverse(
  x: TypedArray,
  shape: Shape,
  dimensions: readonly number[],
  dtype: DType,
): TypedArray {
  const out = allocate(dtype, sizeOf(shape));
  const own = stridesOf(shape);
  const strides = own.map((s, d) => (dimensions.includes(d) ? -s : s));
  const start = dimensions.reduce((acc, d) => acc + (shape[d] - 1) * own[d], 0);
  const last = shape.length - 1;
  const step = last >= 0 ? strides[last] : 0;
  forEachRow(shape, [strides], (offsets, n, o) => {
    let p = start + offsets[0];
    for (let i = 0; i < n; i++, p += step) out[o + i] = x[p];
  });
  return out;
}

/** A copy of `x` whose window at `starts` (already clamped) holds `update`. */
export function updateRegion(
  x: TypedArray,
  shape: Shape,
  update: TypedArray,
  updateShape: Shape,
  starts: readonly number[],
  dtype: DType,
): TypedArray {
  const out = allocate(dtype, x.length);
  out.set(x);
  const own = stridesOf(shape);
  const start = starts.reduce((acc, s, d) => acc + s * own[d], 0);
  forEachRow(updateShape, [stridesOf(updateShape), own], (offsets, n) => {
    const p = start + offsets[1];
    for (let i = 0; i < n; i++) out[p + i] = update[offsets[0] + i];
  });
  return out;
}
