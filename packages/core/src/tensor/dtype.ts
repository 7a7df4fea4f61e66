// SPDX-License-Identifier: MIT
import { DtypeError } from '../errors.js';
import { checkAllocation, engineRefused } from './allocation_limit.js';

/** The element types Loom supports. float32 is the default; float64 runs end to end. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** Bytes one element of `dtype` takes. */
export function itemSize(dtype: DType): number {
  return BYTES_PER_ELEMENT[dtype];
}

/**
 * A zeroed typed array of `size` elements. Checked against the allocation limit first
 * (`setAllocationLimit`), so an absurd shape is an AllocationError naming `op` and `shape`
 * instead of a raw RangeError or gigabytes silently filled.
 */
export function allocate(
  dtype: DType,
  size: number,
  op = 'allocate',
  shape?: readonly number[],
): TypedArray {
  const site = { op, shape, dtype, size, bytesPerElement: BYTES_PER_ELEMENT[dtype] };
  checkAllocation(site);
  try {
    switch (dtype) {
      case 'float32':
        return new Float32Array(size);
      case 'float64':
        return new Float64Array(size);
      case 'int32':
        return new Int32Array(size);
      case 'bool':
        return new Uint8Array(size);
    }
  } catch (e) {
    if (e instanceof RangeError) throw engineRefused(site, e);
    throw e;
  }
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/** Converts a JS number to what storing it in `dtype` would give (rounding, truncation). */
export function castScalar(x: number, dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return Math.fround(x);
    case 'float64':
      return x;
    case 'int32':
      return x | 0;
    case 'bool':
      return x ? 1 : 0;
  }
}

/** numpy/JAX-style promotion on the lattice bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return DTYPES.indexOf(a) >= DTYPES.indexOf(b) ? a : b;
}

/**
 * The dtype a JS number takes next to a tensor of `other`: JS numbers are "weakly typed", as
 * Python scalars are in JAX, so `x.mul(2)` stays float32 and `i.add(1)` stays int32.
 */
export function weakDtype(x: number, other: DType): DType {
  if (isFloat(other)) return other;
  if (Number.isInteger(x)) return other === 'bool' && x !== 0 && x !== 1 ? 'int32' : other;
  return 'float32';
}

export function assertFloat(op: string, dtype: DType, what = 'input'): void {
  if (!isFloat(dtype)) {
    throw new DtypeError(
      `${op}: ${what} has dtype ${dtype}, but a floating dtype (float32 or float64) is required. ` +
        `Convert it first with astype(x, 'float32').`,
    );
  }
}
