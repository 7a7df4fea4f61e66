// SPDX-License-Identifier: MIT
// logical_and, logical_or, logical_xor, logical_not on bool tensors (no tangent: bool output).
// The primitives take bool operands only (as lax does); the public functions first turn numeric
// operands into their truthiness, x ≠ 0 (so NaN is true), as jnp.logical_and does.
import { scalar } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { nePrim } from './comparisons.js';
import { defineElementwise } from './elementwise.js';
import { checkOperand, type TensorLike } from './operands.js';

function logical(name: string, arity: number, expr: string): Primitive {
  const prim: Primitive = defineElementwise({
    name,
    arity,
    expr,
    accepts: 'bool',
    outDtype: 'bool',
    jvp: (xs) => [[bind1(prim, xs, {})], [null]],
  });
  return prim;
}

export const logicalAndPrim = logical('logical_and', 2, 'x !== 0 && y !== 0 ? 1 : 0');
export const logicalOrPrim = logical('logical_or', 2, 'x !== 0 || y !== 0 ? 1 : 0');
export const logicalXorPrim = logical('logical_xor', 2, '(x !== 0) !== (y !== 0) ? 1 : 0');
export const logicalNotPrim = logical('logical_not', 1, 'x === 0 ? 1 : 0');

/** The truthiness of an operand as a bool tensor: numbers and numeric tensors are x ≠ 0. */
function truthy(op: string, x: unknown, position: string): Tensor {
  checkOperand(op, x, position);
  if (typeof x === 'number') return scalar(x !== 0 ? 1 : 0, 'bool');
  if (x.dtype === 'bool') return x;
  return bind1(nePrim, [x, scalar(0, x.dtype)], {});
}

function applyLogical(prim: Primitive, op: string, operands: readonly unknown[]): Tensor {
  const positions = operands.length === 1 ? ['the'] : ['first', 'second'];
  const bools = operands.map((x, i) => truthy(op, x, positions[i]));
  return bind1(prim, bools, {});
}

/**
 * x AND y elementwise, with numpy broadcasting, as a bool tensor. Numeric operands count as
 * true where they are not 0 (NaN is true).
 *
 * @example
 * ```ts
 * logicalAnd(tensor([true, true, false]), tensor([true, false, false])).toArray();
 * // [true, false, false]
 * ```
 */
export const logicalAnd = (x: TensorLike, y: TensorLike): Tensor =>
  applyLogical(logicalAndPrim, 'logicalAnd', [x, y]);

/** x OR y elementwise, with broadcasting, as a bool tensor (numbers are true where ≠ 0). */
export const logicalOr = (x: TensorLike, y: TensorLike): Tensor =>
  applyLogical(logicalOrPrim, 'logicalOr', [x, y]);

/** x XOR y elementwise, with broadcasting, as a bool tensor (numbers are true where ≠ 0). */
export const logicalXor = (x: TensorLike, y: TensorLike): Tensor =>
  applyLogical(logicalXorPrim, 'logicalXor', [x, y]);

/** NOT x elementwise, as a bool tensor (numbers are true where ≠ 0, so NOT gives x = 0). */
export const logicalNot = (x: TensorLike): Tensor =>
  applyLogical(logicalNotPrim, 'logicalNot', [x]);
