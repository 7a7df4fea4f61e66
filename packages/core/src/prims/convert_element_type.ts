// SPDX-License-Identifier: MIT

import { InvalidArgumentError } from '../errors.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { allocate, castScalar, type DType, isDType, isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive, type UndefPrimal } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';

export interface ConvertParams {
  readonly [key: string]: unknown;
  readonly dtype: DType;
}

export const convertElementTypePrim: Primitive<ConvertParams> = definePrimitive<ConvertParams>({
  name: 'convert_element_type',
  abstractEval([x], { dtype }) {
    return [new ShapedArray(x.shape, dtype)];
  },
  impl([x], { dtype }, [out]) {
    const buffer = allocate(dtype, x.buffer.length);
    const src = x.buffer;
    if (dtype === 'int32' && isFloat(x.dtype)) {
      for (let i = 0; i < src.length; i++) buffer[i] = Math.trunc(src[i]);
    } else if (dtype === 'bool') {
      for (let i = 0; i < src.length; i++) buffer[i] = src[i] !== 0 ? 1 : 0;
    } else {
      for (let i = 0; i < src.length; i++) buffer[i] = castScalar(src[i], dtype);
    }
    return [new ConcreteTensor(buffer, out.shape)];
  },
  jvp([x], [t], params) {
    const keepsTangent = isFloat(x.dtype) && isFloat(params.dtype);
    return [
      [bind1(convertElementTypePrim, [x], params)],
      [keepsTangent && t ? astype(t, params.dtype) : null],
    ];
  },
  transpose([ct], [x]) {
    return [ct && astype(ct, (x as UndefPrimal).aval.dtype)];
  },
  batch(_size, [x], [d], params) {
    return [[bind1(convertElementTypePrim, [x], params)], [d]];
  },
});

/** Converts `x` to `dtype` (floats to int32 truncate toward zero; non-zero becomes true). */
export function astype(x: Tensor, dtype: DType): Tensor {
  if (!isDType(dtype)) {
    throw new InvalidArgumentError(
      `astype: unknown dtype ${JSON.stringify(dtype)}; use float32, float64, int32 or bool.`,
    );
  }
  return x.dtype === dtype ? x : bind1(convertElementTypePrim, [x], { dtype });
}
