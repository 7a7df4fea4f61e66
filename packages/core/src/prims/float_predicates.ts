// SPDX-License-Identifier: MIT
// isnan, isinf, isfinite: bool-valued tests of float values (no tangent, like comparisons).
import { isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { eqPrim, nePrim } from './comparisons.js';
import { astype } from './convert_element_type.js';
import { defineElementwise } from './elementwise.js';
import { checkOperand, type TensorLike, unifyOperands } from './operands.js';

function predicate(name: string, expr: string): Primitive {
  const prim: Primitive = defineElementwise({
    name,
    arity: 1,
    expr,
    accepts: 'float',
    outDtype: 'bool',
    jvp: ([x]) => [[bind1(prim, [x], {})], [null]],
  });
  return prim;
}

// Plain comparisons and arithmetic only: x − x is 0 for every finite x and NaN for ±∞ and NaN.
export const isnanPrim = predicate('is_nan', 'x !== x ? 1 : 0');
export const isinfPrim = predicate('is_inf', 'x - x !== 0 && x === x ? 1 : 0');
export const isfinitePrim = predicate('is_finite', 'x - x === 0 ? 1 : 0');

/**
 * Binds the predicate for float tensors. Integer and bool values are always finite and never
 * NaN, so for them the answer is x ≠ x (all false) or x = x (all true), which keeps the shape,
 * batching and tracing of a real operation.
 */
function applyPredicate(prim: Primitive, op: string, x: TensorLike, integral: boolean): Tensor {
  checkOperand(op, x, 'the');
  const [t] = unifyOperands(op, [x], astype);
  if (isFloat(t.dtype)) return bind1(prim, [t], {});
  return bind1(integral ? eqPrim : nePrim, [t, t], {});
}

/**
 * Where x is NaN, as a bool tensor (false everywhere for integer and bool tensors).
 *
 * @example
 * ```ts
 * isnan(tensor([1, NaN, Infinity])).toArray(); // [false, true, false]
 * ```
 */
export const isnan = (x: TensorLike): Tensor => applyPredicate(isnanPrim, 'isnan', x, false);

/** Where x is +∞ or −∞, as a bool tensor (false everywhere for integer and bool tensors). */
export const isinf = (x: TensorLike): Tensor => applyPredicate(isinfPrim, 'isinf', x, false);

/**
 * Where x is neither infinite nor NaN, as a bool tensor (true everywhere for integer and bool
 * tensors).
 */
export const isfinite = (x: TensorLike): Tensor =>
  applyPredicate(isfinitePrim, 'isfinite', x, true);
