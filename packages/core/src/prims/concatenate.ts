// SPDX-License-Identifier: MIT
import { DtypeError, InvalidArgumentError, ShapeError } from '../errors.js';
import * as layout from '../kernels/layout.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { zeros } from '../tensor/create.js';
import { normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive, UndefPrimal } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { moveBatchAxis } from './batching.js';
import { slice } from './slice.js';

export interface ConcatenateParams {
  readonly [key: string]: unknown;
  readonly axis: number;
}

export const concatenatePrim: Primitive<ConcatenateParams> = definePrimitive<ConcatenateParams>({
  name: 'concatenate',
  abstractEval(inputs, { axis }) {
    const first = inputs[0];
    for (const x of inputs) {
      if (x.dtype !== first.dtype) {
        throw new DtypeError(
          `concatenate: operands ${inputs.join(', ')} differ in dtype; convert them first.`,
        );
      }
      if (x.ndim !== first.ndim || x.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        throw new ShapeError(
          `concatenate: along axis ${axis}, operands ${inputs.join(', ')} must agree on every other axis.`,
        );
      }
    }
    const shape = [...first.shape];
    shape[axis] = inputs.reduce((s, x) => s + x.shape[axis], 0);
    return [new ShapedArray(shape, first.dtype)];
  },
  impl(inputs, { axis }, [out]) {
    return [new ConcreteTensor(layout.concatenate(inputs, axis, out.shape, out.dtype), out.shape)];
  },
  jvp(primals, tangents, params) {
    const out = bind1(concatenatePrim, primals, params);
    if (tangents.every((t) => !t)) return [[out], [null]];
    const filled = tangents.map((t, i) => t ?? zeros(primals[i].shape, primals[i].dtype));
    return [[out], [bind1(concatenatePrim, filled, params)]];
  },
  transpose([ct], inputs, { axis }) {
    let offset = 0;
    return inputs.map((x) => {
      const shape = (x instanceof UndefPrimal ? x.aval : (x as Tensor).aval).shape;
      const start = offset;
      offset += shape[axis];
      if (!ct || !(x instanceof UndefPrimal)) return null;
      const starts = shape.map((_, i) => (i === axis ? start : 0));
      const limits = ct.shape.map((d, i) => (i === axis ? start + shape[axis] : d));
      return slice(ct, starts, limits);
    });
  },
  batch(size, inputs, dims, { axis }) {
    const moved = inputs.map((x, i) => moveBatchAxis(size, dims[i], 0, x));
    return [[bind1(concatenatePrim, moved, { axis: axis + 1 })], [0]];
  },
});

/** Joins tensors along an existing axis. */
export function concatenate(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new InvalidArgumentError('concat: needs at least one tensor.');
  const ax = normalizeAxis('concat', axis, tensors[0].ndim, tensors[0].shape);
  if (tensors.length === 1) return tensors[0];
  return bind1(concatenatePrim, [...tensors], { axis: ax });
}
