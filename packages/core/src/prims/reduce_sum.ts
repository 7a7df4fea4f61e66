// SPDX-License-Identifier: MIT

import { DtypeError } from '../errors.js';
import { reduce } from '../kernels/reduce.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { normalizeAxes } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive, type UndefPrimal } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { shiftAxis } from './batching.js';
import { broadcastInDimPrim } from './broadcast_in_dim.js';

export interface ReduceParams {
  readonly [key: string]: unknown;
  /** Sorted, distinct axes to reduce away. */
  readonly axes: readonly number[];
}

export function reducedAval(name: string, x: ShapedArray, axes: readonly number[]): ShapedArray {
  normalizeAxes(name, axes, x.shape);
  return new ShapedArray(
    x.shape.filter((_, i) => !axes.includes(i)),
    x.dtype,
  );
}

export const reduceSumPrim: Primitive<ReduceParams> = definePrimitive<ReduceParams>({
  name: 'reduce_sum',
  abstractEval([x], { axes }) {
    if (x.dtype === 'bool') {
      throw new DtypeError(`reduce_sum: cannot sum ${x}; convert bool to int32 or float32 first.`);
    }
    return [reducedAval('reduce_sum', x, axes)];
  },
  impl([x], { axes }, [out]) {
    return [new ConcreteTensor(reduce('sum', x.buffer, x.shape, axes, out.dtype), out.shape)];
  },
  jvp([x], [t], params) {
    return [[bind1(reduceSumPrim, [x], params)], [t && bind1(reduceSumPrim, [t], params)]];
  },
  transpose([ct], [x], { axes }) {
    if (!ct) return [null];
    const shape = (x as UndefPrimal).aval.shape;
    const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    return [bind1(broadcastInDimPrim, [ct], { shape, broadcastDimensions: kept })];
  },
  batch(_size, [x], [d], { axes }) {
    return batchReduce(reduceSumPrim, x, d!, axes);
  },
});

/** Batching rule of the axis reductions: shift the reduced axes past the batch axis. */
export function batchReduce(
  prim: Primitive<ReduceParams>,
  x: Tensor,
  d: number,
  axes: readonly number[],
): [Tensor[], (number | null)[]] {
  const full = axes.map((a) => shiftAxis(a, d));
  const outDim = d - full.filter((a) => a < d).length;
  return [[bind1(prim, [x], { axes: full })], [outDim]];
}

/** Sums over `axes` (all axes when omitted) and drops them. */
export function reduceSum(x: Tensor, axes?: readonly number[]): Tensor {
  const normalized = normalizeAxes('sum', axes, x.shape);
  if (normalized.length === 0) return x;
  return bind1(reduceSumPrim, [x], { axes: normalized });
}
