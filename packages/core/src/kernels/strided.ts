// SPDX-License-Identifier: MIT
import type { Shape } from '../tensor/shape.js';
import { stridesOf } from '../tensor/shape.js';

/**
 * Strides that read an array of `shape` as if it had been broadcast to `outShape`: left-padded
 * with size-1 axes, and stride 0 along every broadcast axis.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, axis) => {
    const i = axis - offset;
    return i < 0 || shape[i] === 1 ? 0 : own[i];
  });
}

/**
 * Visits every index of `shape` in row-major order, calling `inner(base offsets, count)` once per
 * innermost row with the starting offset of each operand (given its strides). Iterative, so any
 * rank works, and the per-row callback keeps the innermost loop tight.
 */
export function forEachRow(
  shape: Shape,
  strides: readonly number[][],
  inner: (offsets: number[], rowLength: number, outOffset: number) => void,
): void {
  const rank = shape.length;
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const offsets = strides.map(() => 0);
  if (rank === 0) {
    inner(offsets, 1, 0);
    return;
  }
  const rowLength = shape[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  for (let out = 0; out < n; out += rowLength) {
    inner(offsets, rowLength, out);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < strides.length; k++) offsets[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (let k = 0; k < strides.length; k++) offsets[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
  }
}
