// SPDX-License-Identifier: MIT
// logAddExp(a, b) = log(eᵃ + eᵇ), stable and with the right gradient everywhere.
import { add } from '../prims/add.js';
import { gt } from '../prims/comparisons.js';
import { astype } from '../prims/convert_element_type.js';
import { exp } from '../prims/exp.js';
import { isnan } from '../prims/float_predicates.js';
import { log1p } from '../prims/log1p.js';
import { logicalOr } from '../prims/logical.js';
import { mul } from '../prims/mul.js';
import { neg } from '../prims/neg.js';
import { type TensorLike, unifyOperands } from '../prims/operands.js';
import { select } from '../prims/select.js';
import { sub } from '../prims/sub.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * log(eᵃ + eᵇ) elementwise with broadcasting, computed as max(a, b) + log1p(e^−|a−b|) so it
 * neither overflows nor loses small results. Equal infinities give that infinity (a + b), and
 * NaN propagates. Integer inputs give float32.
 *
 * Gradients are the softmax weights eᵃ/(eᵃ + eᵇ) and eᵇ/(eᵃ + eᵇ): ½ each at a = b. The form
 * is written so no branch ever multiplies a zero cotangent by ∞: where one input is +∞ the
 * other's gradient is 0 (the limit), where both are the same infinity each gets ½ (the limit
 * along a = b; JAX gives 1), and NaN inputs get NaN gradients.
 *
 * @example
 * ```ts
 * logAddExp(tensor([0, 1000]), tensor([0, 1000])).toArray(); // [0.6931472, 1000.6931]
 * ```
 */
export function logAddExp(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = unifyOperands('logAddExp', [a, b], astype, 'float32');
  const d = sub(x, y);
  const undefinedDifference = isnan(d); // ∞ − ∞, or a NaN input
  const safe = select(undefinedDifference, 0, d);
  const xWins = gt(safe, 0);
  // −|d|, but with derivative +1 at d = 0 (|d| has 0 there), which makes the gradients ½, ½.
  const minusAbs = select(xWins, neg(safe), safe);
  const finite = add(select(xWins, x, y), log1p(exp(minusAbs)));
  // Equal infinities: (a + b)/2 is that infinity with gradients ½, ½ (the limit along a = b);
  // a NaN input gets NaN gradients through a NaN weight (the weight itself carries no tangent).
  const weight = select(logicalOr(isnan(x), isnan(y)), Number.NaN, 0.5);
  return select(undefinedDifference, mul(add(x, y), weight), finite);
}
