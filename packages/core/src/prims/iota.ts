// SPDX-License-Identifier: MIT
import { InvalidArgumentError } from '../errors.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { allocate, type DType } from '../tensor/dtype.js';
import { normalizeAxis, type Shape, stridesOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';

export interface IotaParams {
  readonly [key: string]: unknown;
  readonly shape: Shape;
  readonly dimension: number;
  readonly dtype: DType;
}

/** Counts 0, 1, 2, ... along `dimension` of `shape` (no inputs, so it stages into jit as code). */
export const iotaPrim: Primitive<IotaParams> = definePrimitive<IotaParams>({
  name: 'iota',
  abstractEval(_, { shape, dtype }) {
    return [new ShapedArray(shape, dtype)];
  },
  impl(_, { shape, dimension }, [out]) {
    const buffer = allocate(out.dtype, out.size);
    const stride = stridesOf(shape)[dimension];
    const n = shape[dimension];
    for (let i = 0; i < buffer.length; i++) buffer[i] = Math.floor(i / stride) % n;
    return [new ConcreteTensor(buffer, shape)];
  },
  jvp(_, __, params) {
    return [[bind1(iotaPrim, [], params)], [null]];
  },
  // No operands, so never batched: the same counts serve every example.
  batch(_size, _args, _dims, params) {
    return [[bind1(iotaPrim, [], params)], [null]];
  },
});

/** A tensor of `shape` whose values count along `dimension`. */
export function iota(shape: Shape, dimension = 0, dtype: DType = 'int32'): Tensor {
  if (shape.length === 0)
    throw new InvalidArgumentError('iota: shape must have at least one axis.');
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidArgumentError(
      `iota: shape [${shape.join(',')}] must hold non-negative integers.`,
    );
  }
  return bind1(iotaPrim, [], {
    shape: [...shape],
    dimension: normalizeAxis('iota', dimension, shape.length, shape),
    dtype,
  });
}
