// SPDX-License-Identifier: MIT
// The six comparisons: one family with identical rules (bool output, no tangent).
import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import type { TensorLike } from './operands.js';

function comparison(name: string, operator: string): Primitive {
  const prim: Primitive = defineElementwise({
    name,
    arity: 2,
    expr: `x ${operator} y ? 1 : 0`,
    accepts: 'any',
    outDtype: 'bool',
    jvp: ([x, y]) => [[applyElementwise(prim, name, [x, y])], [null]],
  });
  return prim;
}

export const ltPrim = comparison('lt', '<');
export const lePrim = comparison('le', '<=');
export const gtPrim = comparison('gt', '>');
export const gePrim = comparison('ge', '>=');
export const eqPrim = comparison('eq', '===');
export const nePrim = comparison('ne', '!==');

/** x < y, elementwise, as a bool tensor. */
export const lt = (x: TensorLike, y: TensorLike): Tensor => applyElementwise(ltPrim, 'lt', [x, y]);
/** x ≤ y, elementwise, as a bool tensor. */
export const le = (x: TensorLike, y: TensorLike): Tensor => applyElementwise(lePrim, 'le', [x, y]);
/** x > y, elementwise, as a bool tensor. */
export const gt = (x: TensorLike, y: TensorLike): Tensor => applyElementwise(gtPrim, 'gt', [x, y]);
/** x ≥ y, elementwise, as a bool tensor. */
export const ge = (x: TensorLike, y: TensorLike): Tensor => applyElementwise(gePrim, 'ge', [x, y]);
/** x = y, elementwise, as a bool tensor. */
export const eq = (x: TensorLike, y: TensorLike): Tensor => applyElementwise(eqPrim, 'eq', [x, y]);
/** x ≠ y, elementwise, as a bool tensor. */
export const ne = (x: TensorLike, y: TensorLike): Tensor => applyElementwise(nePrim, 'ne', [x, y]);
