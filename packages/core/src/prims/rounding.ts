// SPDX-License-Identifier: MIT
// floor, ceil, round (half to even, as numpy and JAX) and trunc: one family with identical rules.
// They are piecewise constant, so their derivative is zero (a symbolic zero tangent); being
// nonlinear they have no transpose rule, and batching comes from defineElementwise.
import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { astype } from './convert_element_type.js';
import { defineElementwise } from './elementwise.js';
import { checkOperand, type TensorLike, unifyOperands } from './operands.js';

function rounding(name: string, expr: string): Primitive {
  const prim: Primitive = defineElementwise({
    name,
    arity: 1,
    expr,
    accepts: 'float',
    jvp: ([x]) => [[bind1(prim, [x], {})], [null]],
  });
  return prim;
}

export const floorPrim = rounding('floor', 'Math.floor(x)');
export const ceilPrim = rounding('ceil', 'Math.ceil(x)');
/**
 * Half to even: a fraction of exactly ½ goes to the even neighbour, 2·round(x/2) (x/2 is exact);
 * anything else is Math.round's nearest integer (which keeps −0 for x in [−½, 0)).
 */
export const roundPrim = rounding(
  'round',
  'Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x)',
);
export const truncPrim = rounding('trunc', 'Math.trunc(x)');

/** Integer and bool tensors are already integral: returned unchanged (as jnp.floor does). */
function applyRounding(prim: Primitive, op: string, x: TensorLike): Tensor {
  checkOperand(op, x, 'the');
  const [t] = unifyOperands(op, [x], astype);
  return t.dtype === 'float32' || t.dtype === 'float64' ? bind1(prim, [t], {}) : t;
}

/**
 * The largest integer ≤ x, elementwise (zero derivative). Integer and bool tensors are returned
 * unchanged.
 *
 * @example
 * ```ts
 * floor(tensor([-1.5, 0.5, 2])).toArray(); // [-2, 0, 2]
 * ```
 */
export const floor = (x: TensorLike): Tensor => applyRounding(floorPrim, 'floor', x);

/** The smallest integer ≥ x, elementwise (zero derivative); integer tensors are unchanged. */
export const ceil = (x: TensorLike): Tensor => applyRounding(ceilPrim, 'ceil', x);

/**
 * The nearest integer, elementwise, with halves rounded to even as numpy and JAX do
 * (round(0.5) = 0, round(1.5) = 2, round(−2.5) = −2); zero derivative; integer tensors are
 * unchanged.
 *
 * @example
 * ```ts
 * round(tensor([0.5, 1.5, 2.5, -0.7])).toArray(); // [0, 2, 2, -1]
 * ```
 */
export const round = (x: TensorLike): Tensor => applyRounding(roundPrim, 'round', x);

/** x with its fraction dropped (rounded toward zero), elementwise (zero derivative). */
export const trunc = (x: TensorLike): Tensor => applyRounding(truncPrim, 'trunc', x);
