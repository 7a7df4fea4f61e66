// SPDX-License-Identifier: MIT
// Integer indices and class labels out of range. Concrete values are checked eagerly and raise
// IndexError; traced values cannot be, so the primitives fill (gather: NaN for floats, as JAX's
// mode='fill') or drop (scatter_add) instead of reading or writing another row.
import { IndexError } from '../errors.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** The multi-index of flat position `flat` in a row-major array of `shape`. */
export function multiIndex(flat: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return out;
}

/**
 * Raises IndexError when concrete `indices` hold a value outside [0, size), naming `op`, the
 * first bad value, its flat and multi-index, how many are bad, and the valid range. Traced
 * indices are not checked (returns false); concrete ones that pass return true.
 */
export function checkIndexRange(
  op: string,
  indices: Tensor,
  size: number,
  what = 'index',
): boolean {
  if (!(indices instanceof ConcreteTensor)) return false;
  const b = indices.buffer;
  let first = -1;
  let count = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] < 0 || b[i] >= size) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return true;
  const valid = size > 0 ? `valid values are 0 to ${size - 1}` : 'no value is valid';
  throw new IndexError(
    `${op}: ${what} ${b[first]} at flat position ${first} (multi-index ` +
      `[${multiIndex(first, indices.shape).join(', ')}]) of ${indices.dtype}` +
      `${formatShape(indices.shape)} is out of range for an axis of size ${size}: ${valid}` +
      (count > 1 ? ` (${count} of ${b.length} values are out of range).` : '.'),
  );
}

/** Positions j of `indices` outside [0, size) (empty in the common case). */
export function outOfRange(indices: TypedArray, size: number): number[] {
  const bad: number[] = [];
  for (let j = 0; j < indices.length; j++) {
    if (indices[j] < 0 || indices[j] >= size) bad.push(j);
  }
  return bad;
}

/** A copy of `indices` with the positions `bad` replaced by 0, safe to read with. */
export function clampedIndices(indices: TypedArray, bad: readonly number[]): Int32Array {
  const safe = Int32Array.from(indices);
  for (const j of bad) safe[j] = 0;
  return safe;
}

/**
 * What an out-of-range gather yields, as JAX's mode='fill': NaN for floating dtypes, the most
 * negative int32, true for bool.
 */
export function fillValue(dtype: DType): number {
  switch (dtype) {
    case 'float32':
    case 'float64':
      return Number.NaN;
    case 'int32':
      return -(2 ** 31);
    case 'bool':
      return 1;
  }
}
