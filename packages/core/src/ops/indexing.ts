// SPDX-License-Identifier: MIT
import { DtypeError } from '../errors.js';
import { eq, ge, lt } from '../prims/comparisons.js';
import { astype } from '../prims/convert_element_type.js';
import { checkIndexRange } from '../prims/index_range.js';
import { iota } from '../prims/iota.js';
import type { TensorLike } from '../prims/operands.js';
import { reshape } from '../prims/reshape.js';
import { select } from '../prims/select.js';
import { type DType, isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * One-hot encoding: int32 `indices` of any shape gain a trailing axis of size `depth`.
 * An index outside [0, depth) is an IndexError when the indices are concrete; when they are
 * traced (inside jit, grad, vmap) its row is NaN for floating dtypes, so a bad label can never
 * pass for a plausible finite result downstream (a loss, an accuracy).
 */
export function oneHot(indices: Tensor, depth: number, dtype: DType = 'float32'): Tensor {
  if (indices.dtype !== 'int32') {
    throw new DtypeError(
      `oneHot: indices have dtype ${indices.dtype}; they must be int32 class indices.`,
    );
  }
  const checked = checkIndexRange('oneHot', indices, depth);
  const column = reshape(indices, [...indices.shape, 1]);
  const classes = reshape(iota([depth]), [...indices.shape.map(() => 1), depth]);
  const hot = astype(eq(column, classes), dtype);
  if (checked || !isFloat(dtype)) return hot;
  // Negative indices are mapped to `depth`, so one comparison finds every bad one.
  const bad = ge(select(lt(column, 0), depth, column), depth);
  return select(bad, Number.NaN, hot);
}

/** numpy's where: `onTrue` where `cond` holds, else `onFalse` (broadcasting all three). */
export function where(cond: Tensor, onTrue: TensorLike, onFalse: TensorLike): Tensor {
  return select(cond, onTrue, onFalse);
}
