// SPDX-License-Identifier: MIT
// reduce_max and reduce_min: one family; the tangent flows to the arg-extreme (ties averaged).
import { DtypeError } from '../errors.js';
import { reduce } from '../kernels/reduce.js';
import type { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { normalizeAxes } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { broadcastInDimPrim } from './broadcast_in_dim.js';
import { eq } from './comparisons.js';
import { astype } from './convert_element_type.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { batchReduce, type ReduceParams, reducedAval, reduceSum } from './reduce_sum.js';

function chooser(kind: 'max' | 'min'): Primitive<ReduceParams> {
  const name = `reduce_${kind}`;
  const prim: Primitive<ReduceParams> = definePrimitive<ReduceParams>({
    name,
    abstractEval([x]: ShapedArray[], { axes }) {
      if (x.dtype === 'bool')
        throw new DtypeError(`${name}: cannot reduce ${x}; convert bool first.`);
      return [reducedAval(name, x, axes)];
    },
    impl([x], { axes }, [out]) {
      return [new ConcreteTensor(reduce(kind, x.buffer, x.shape, axes, out.dtype), out.shape)];
    },
    jvp([x], [t], params) {
      const out = bind1(prim, [x], params);
      if (!t) return [[out], [null]];
      const kept = x.shape.map((_, i) => i).filter((i) => !params.axes.includes(i));
      const spread = bind1(broadcastInDimPrim, [out], {
        shape: x.shape,
        broadcastDimensions: kept,
      });
      const mask = astype(eq(x, spread), x.dtype);
      const tangent = div(reduceSum(mul(t, mask), params.axes), reduceSum(mask, params.axes));
      return [[out], [tangent]];
    },
    batch(_size, [x], [d], { axes }) {
      return batchReduce(prim, x, d!, axes);
    },
  });
  return prim;
}

export const reduceMaxPrim = chooser('max');
export const reduceMinPrim = chooser('min');

/** Largest value over `axes` (all when omitted). */
export function reduceMax(x: Tensor, axes?: readonly number[]): Tensor {
  const normalized = normalizeAxes('max', axes, x.shape);
  return normalized.length === 0 ? x : bind1(reduceMaxPrim, [x], { axes: normalized });
}

/** Smallest value over `axes` (all when omitted). */
export function reduceMin(x: Tensor, axes?: readonly number[]): Tensor {
  const normalized = normalizeAxes('min', axes, x.shape);
  return normalized.length === 0 ? x : bind1(reduceMinPrim, [x], { axes: normalized });
}
