// SPDX-License-Identifier: MIT
import { DtypeError } from '../errors.js';
import { eq } from '../prims/comparisons.js';
import { astype } from '../prims/convert_element_type.js';
import { iota } from '../prims/iota.js';
import type { TensorLike } from '../prims/operands.js';
import { reshape } from '../prims/reshape.js';
import { select } from '../prims/select.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/** One-hot encoding: int32 `indices` of any shape gain a trailing axis of size `depth`. */
export function oneHot(indices: Tensor, depth: number, dtype: DType = 'float32'): Tensor {
  if (indices.dtype !== 'int32') {
    throw new DtypeError(
      `oneHot: indices have dtype ${indices.dtype}; they must be int32 class indices.`,
    );
  }
  const classes = reshape(iota([depth]), [...indices.shape.map(() => 1), depth]);
  return astype(eq(reshape(indices, [...indices.shape, 1]), classes), dtype);
}

/** numpy's where: `onTrue` where `cond` holds, else `onFalse` (broadcasting all three). */
export function where(cond: Tensor, onTrue: TensorLike, onFalse: TensorLike): Tensor {
  return select(cond, onTrue, onFalse);
}
