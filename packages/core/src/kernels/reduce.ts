// SPDX-License-Identifier: MIT
import { allocate, type DType, type TypedArray } from '../tensor/dtype.js';
import { type Shape, sizeOf, stridesOf } from '../tensor/shape.js';
import { forEachRow } from './strided.js';

export type ReduceKind = 'sum' | 'max' | 'min';

const INIT: Record<ReduceKind, number> = { sum: 0, max: -Infinity, min: Infinity };

/**
 * Reduces `axes` of `x` away (output shape = input shape without those axes). Walks the input
 * once in row-major order and accumulates into the output slot each row maps to (stride 0 along
 * reduced axes). Accumulates in float64 so float32 sums of long rows stay accurate.
 */
export function reduce(
  kind: ReduceKind,
  x: TypedArray,
  shape: Shape,
  axes: readonly number[],
  outDtype: DType,
): TypedArray {
  const reduced = new Set(axes);
  const outShape = shape.filter((_, i) => !reduced.has(i));
  const outStrides = stridesOf(outShape);
  let k = 0;
  const mapped = shape.map((_, i) => (reduced.has(i) ? 0 : outStrides[k++]));
  const acc = new Float64Array(sizeOf(outShape)).fill(INIT[kind]);
  const inStrides = stridesOf(shape);
  const last = shape.length - 1;
  const step = last >= 0 ? mapped[last] : 0;
  forEachRow(shape, [inStrides, mapped], (offsets, n) => {
    const inBase = offsets[0];
    let o = offsets[1];
    if (kind === 'sum') {
      for (let i = 0; i < n; i++, o += step) acc[o] += x[inBase + i];
    } else if (kind === 'max') {
      for (let i = 0; i < n; i++, o += step) {
        const v = x[inBase + i];
        if (v > acc[o] || Number.isNaN(v)) acc[o] = v;
      }
    } else {
      for (let i = 0; i < n; i++, o += step) {
        const v = x[inBase + i];
        if (v < acc[o] || Number.isNaN(v)) acc[o] = v;
      }
    }
  });
  const out = allocate(outDtype, acc.length);
  out.set(acc);
  return out;
}

/** Index of the largest (or smallest) value along `axis`; ties go to the first. */
export function argReduce(
  kind: 'max' | 'min',
  x: TypedArray,
  shape: Shape,
  axis: number,
): Int32Array {
  const n = shape[axis];
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      let bestValue = x[o * n * inner + i];
      for (let j = 1; j < n; j++) {
        const v = x[(o * n + j) * inner + i];
        if (Number.isNaN(bestValue)) break;
        if (kind === 'max' ? v > bestValue || Number.isNaN(v) : v < bestValue || Number.isNaN(v)) {
          best = j;
          bestValue = v;
        }
      }
      out[o * inner + i] = best;
    }
  }
  return out;
}
