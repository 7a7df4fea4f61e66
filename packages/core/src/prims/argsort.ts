// SPDX-License-Identifier: MIT
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { normalizeAxis, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { shiftAxis } from './batching.js';

export interface ArgsortParams {
  readonly [key: string]: unknown;
  readonly axis: number;
}

/** Indices that sort `x` along an axis (stable, NaN last); int32, hence no tangent. */
export const argsortPrim: Primitive<ArgsortParams> = definePrimitive<ArgsortParams>({
  name: 'argsort',
  abstractEval([x], { axis }) {
    normalizeAxis('argsort', axis, x.ndim, x.shape);
    return [new ShapedArray(x.shape, 'int32')];
  },
  impl([x], { axis }, [out]) {
    const n = x.shape[axis];
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const result = new Int32Array(out.size);
    const order = new Array<number>(n);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (j: number) => x.buffer[(o * n + j) * inner + i];
        for (let j = 0; j < n; j++) order[j] = j;
        order.sort((a, b) => {
          const va = at(a);
          const vb = at(b);
          if (Number.isNaN(va) || Number.isNaN(vb))
            return Number.isNaN(va) ? (Number.isNaN(vb) ? a - b : 1) : -1;
          return va - vb || a - b;
        });
        for (let j = 0; j < n; j++) result[(o * n + j) * inner + i] = order[j];
      }
    }
    return [new ConcreteTensor(result, out.shape)];
  },
  jvp([x], _, params) {
    return [[bind1(argsortPrim, [x], params)], [null]];
  },
  batch(_size, [x], [d], { axis }) {
    return [[bind1(argsortPrim, [x], { axis: shiftAxis(axis, d!) })], [d]];
  },
});

/** Indices that would sort `x` along `axis` (default last), ascending and stable. */
export function argsort(x: Tensor, axis = -1): Tensor {
  return bind1(argsortPrim, [x], { axis: normalizeAxis('argsort', axis, x.ndim, x.shape) });
}
