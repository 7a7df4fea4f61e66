// SPDX-License-Identifier: MIT
import { ShapeError } from '../errors.js';
import { broadcastTo } from '../prims/broadcast_in_dim.js';
import { astype } from '../prims/convert_element_type.js';
import { dotGeneral } from '../prims/dot_general.js';
import { checkOperand } from '../prims/operands.js';
import { promoteTypes } from '../tensor/dtype.js';
import { broadcastShapes, formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Matrix product with numpy semantics: 1-D operands are vectors, and leading axes of N-D
 * operands are batch axes that broadcast. `x · W` with a 2-D `W` is one contraction however many
 * leading axes `x` has (no broadcast copies of W).
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkOperand('matmul', a, 'the first');
  checkOperand('matmul', b, 'the second');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: operands must have at least one axis, got ${formatShape(a.shape)} and ${formatShape(b.shape)}; use mul for scalars.`,
    );
  }
  const k = a.shape[a.ndim - 1];
  const bAxis = b.ndim === 1 ? 0 : b.ndim - 2;
  if (k !== b.shape[bAxis]) {
    throw new ShapeError(
      `matmul: cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}: the last axis of ` +
        `the left operand (size ${k}) must equal the ${b.ndim === 1 ? 'only' : 'second-to-last'} axis ` +
        `of the right operand (size ${b.shape[bAxis]}).`,
    );
  }
  const dtype = promoteTypes(a.dtype, b.dtype);
  const x = astype(a, dtype);
  const y = astype(b, dtype);
  if (b.ndim <= 2) {
    return dotGeneral(x, y, {
      lhsContracting: [a.ndim - 1],
      rhsContracting: [0],
      lhsBatch: [],
      rhsBatch: [],
    });
  }
  // Batched: broadcast the leading axes, then contract with them as batch dimensions.
  const aMat = a.ndim === 1 ? x.reshape([1, k]) : x;
  const batch = broadcastShapes('matmul', aMat.shape.slice(0, -2), y.shape.slice(0, -2));
  const lhs = broadcastTo(aMat, [...batch, ...aMat.shape.slice(-2)]);
  const rhs = broadcastTo(y, [...batch, ...y.shape.slice(-2)]);
  const nb = batch.length;
  const axes = batch.map((_, i) => i);
  const out = dotGeneral(lhs, rhs, {
    lhsContracting: [nb + 1],
    rhsContracting: [nb],
    lhsBatch: axes,
    rhsBatch: axes,
  });
  return a.ndim === 1 ? out.reshape([...batch, y.shape[y.ndim - 1]]) : out;
}

/** Dot product of vectors, or matmul for higher ranks. */
export function dot(a: Tensor, b: Tensor): Tensor {
  return matmul(a, b);
}
