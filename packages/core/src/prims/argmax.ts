// SPDX-License-Identifier: MIT
// argmax and argmin along one axis: int32 results, hence no tangent.
import { ShapeError } from '../errors.js';
import { argReduce } from '../kernels/reduce.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { shiftAxis } from './batching.js';

export interface ArgParams {
  readonly [key: string]: unknown;
  readonly axis: number;
}

function argPrimitive(kind: 'max' | 'min'): Primitive<ArgParams> {
  const prim: Primitive<ArgParams> = definePrimitive<ArgParams>({
    name: `arg${kind}`,
    abstractEval([x], { axis }) {
      normalizeAxis(`arg${kind}`, axis, x.ndim, x.shape);
      if (x.shape[axis] === 0) {
        throw new ShapeError(
          `arg${kind}: axis ${axis} of ${x} has size 0; an empty axis has no ${kind === 'max' ? 'largest' : 'smallest'} element.`,
        );
      }
      return [
        new ShapedArray(
          x.shape.filter((_, i) => i !== axis),
          'int32',
        ),
      ];
    },
    impl([x], { axis }, [out]) {
      return [new ConcreteTensor(argReduce(kind, x.buffer, x.shape, axis), out.shape)];
    },
    jvp([x], _, params) {
      return [[bind1(prim, [x], params)], [null]];
    },
    batch(_size, [x], [d], { axis }) {
      const full = shiftAxis(axis, d!);
      return [[bind1(prim, [x], { axis: full })], [full < d! ? d! - 1 : d!]];
    },
  });
  return prim;
}

export const argmaxPrim = argPrimitive('max');
export const argminPrim = argPrimitive('min');

/** Index of the largest value along `axis` (the first one on ties), as int32. */
export function argmax(x: Tensor, axis = -1): Tensor {
  return bind1(argmaxPrim, [x], { axis: normalizeAxis('argmax', axis, x.ndim, x.shape) });
}

/** Index of the smallest value along `axis` (the first one on ties), as int32. */
export function argmin(x: Tensor, axis = -1): Tensor {
  return bind1(argminPrim, [x], { axis: normalizeAxis('argmin', axis, x.ndim, x.shape) });
}
