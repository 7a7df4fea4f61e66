// SPDX-License-Identifier: MIT
// dynamic_slice and dynamic_update_slice: windows at start indices known only at run time (int32
// scalars, traced under jit/vmap/grad). Starts are clamped into range as JAX does, so a window
// always lies inside the operand. The two are a linear pair: the transpose of dynamic_slice
// writes the cotangent into zeros with dynamic_update_slice, and the update's cotangent is a
// dynamic_slice of the result's.
import { DtypeError, ShapeError } from '../errors.js';
import * as layout from '../kernels/layout.js';
import { updateRegion } from '../kernels/regions.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { zeros } from '../tensor/create.js';
import { formatShape, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive, UndefPrimal } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { batchedDynamicSlice, batchedDynamicUpdateSlice } from './dynamic_slice_batch.js';

export interface DynamicSliceParams {
  readonly [key: string]: unknown;
  /** The window's shape (static). */
  readonly sizes: readonly number[];
}

export type DynamicUpdateSliceParams = Readonly<Record<string, never>>;

/** The start of a window of `size` along an axis of `dim`, clamped into [0, dim - size]. */
export function clampStart(start: number, dim: number, size: number): number {
  return Math.min(Math.max(start, 0), dim - size);
}

function checkStarts(op: string, x: ShapedArray, starts: readonly ShapedArray[]): void {
  if (starts.length !== x.ndim) {
    throw new ShapeError(
      `${op}: ${x} needs ${x.ndim} start indices (one per axis), got ${starts.length}.`,
    );
  }
  starts.forEach((s, i) => {
    if (s.ndim !== 0 || s.dtype !== 'int32') {
      throw new DtypeError(
        `${op}: start index ${i} is ${s}; each start must be an int32 scalar ` +
          '(use astype(i, "int32")).',
      );
    }
  });
}

function checkWindow(op: string, x: ShapedArray, sizes: readonly number[], what: string): void {
  const ok =
    sizes.length === x.ndim &&
    sizes.every((n, i) => Number.isInteger(n) && n >= 0 && n <= x.shape[i]);
  if (!ok) {
    throw new ShapeError(
      `${op}: ${what} ${formatShape(sizes)} does not fit ${x}; it needs one size per axis, ` +
        'each between 0 and that axis of the operand.',
    );
  }
}

function concreteStarts(starts: readonly ConcreteTensor[], shape: Shape, sizes: Shape): number[] {
  return starts.map((s, i) => clampStart(s.buffer[0], shape[i], sizes[i]));
}

/** x[s0:s0+sizes[0], ...] with per-axis starts s_i clamped into range (lax.dynamic_slice). */
export const dynamicSlicePrim: Primitive<DynamicSliceParams> = definePrimitive<DynamicSliceParams>({
  name: 'dynamic_slice',
  abstractEval([x, ...starts], { sizes }) {
    checkStarts('dynamicSlice', x, starts);
    checkWindow('dynamicSlice', x, sizes, 'slice sizes');
    return [new ShapedArray(sizes, x.dtype)];
  },
  impl([x, ...starts], { sizes }, [out]) {
    const at = concreteStarts(starts, x.shape, sizes);
    const limits = at.map((s, i) => s + sizes[i]);
    const ones = sizes.map(() => 1);
    const buffer = layout.slice(x.buffer, x.shape, at, limits, ones, out.dtype);
    return [new ConcreteTensor(buffer, out.shape)];
  },
  jvp([x, ...starts], [t], params) {
    const out = bind1(dynamicSlicePrim, [x, ...starts], params);
    return [[out], [t && bind1(dynamicSlicePrim, [t, ...starts], params)]];
  },
  transpose([ct], [x, ...starts], _params) {
    const nulls = starts.map(() => null);
    if (!ct || !(x instanceof UndefPrimal)) return [null, ...nulls];
    const base = zeros(x.aval.shape, x.aval.dtype);
    return [bind1(dynamicUpdateSlicePrim, [base, ct, ...(starts as Tensor[])], {}), ...nulls];
  },
  batch(size, [x, ...starts], [dx, ...ds], { sizes }) {
    return batchedDynamicSlice(size, x, dx, starts, ds, sizes);
  },
});

/** x with the window at the (clamped) starts replaced by `update` (lax.dynamic_update_slice). */
export const dynamicUpdateSlicePrim: Primitive<DynamicUpdateSliceParams> =
  definePrimitive<DynamicUpdateSliceParams>({
    name: 'dynamic_update_slice',
    abstractEval([x, update, ...starts]) {
      checkStarts('dynamicUpdateSlice', x, starts);
      if (update.dtype !== x.dtype) {
        throw new DtypeError(
          `dynamicUpdateSlice: update ${update} and operand ${x} differ in dtype; convert one ` +
            'with astype.',
        );
      }
      checkWindow('dynamicUpdateSlice', x, update.shape, 'update of shape');
      return [new ShapedArray(x.shape, x.dtype)];
    },
    impl([x, update, ...starts], _params, [out]) {
      const at = concreteStarts(starts, x.shape, update.shape);
      const buffer = updateRegion(x.buffer, x.shape, update.buffer, update.shape, at, out.dtype);
      return [new ConcreteTensor(buffer, out.shape)];
    },
    jvp([x, update, ...starts], [tx, tu], params) {
      const out = bind1(dynamicUpdateSlicePrim, [x, update, ...starts], params);
      if (!tx && !tu) return [[out], [null]];
      const a = tx ?? zeros(x.shape, x.dtype);
      const b = tu ?? zeros(update.shape, update.dtype);
      return [[out], [bind1(dynamicUpdateSlicePrim, [a, b, ...starts], params)]];
    },
    transpose([ct], [x, update, ...starts], _params) {
      const nulls = starts.map(() => null);
      if (!ct) return [null, null, ...nulls];
      const idx = starts as Tensor[];
      const uAval = update instanceof UndefPrimal ? update.aval : (update as Tensor).aval;
      const ctX =
        x instanceof UndefPrimal
          ? bind1(dynamicUpdateSlicePrim, [ct, zeros(uAval.shape, uAval.dtype), ...idx], {})
          : null;
      const ctU =
        update instanceof UndefPrimal
          ? bind1(dynamicSlicePrim, [ct, ...idx], { sizes: [...uAval.shape] })
          : null;
      return [ctX, ctU, ...nulls];
    },
    batch(size, [x, update, ...starts], [dx, du, ...ds]) {
      return batchedDynamicUpdateSlice(size, x, dx, update, du, starts, ds);
    },
  });
