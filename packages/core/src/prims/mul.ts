// SPDX-License-Identifier: MIT
import type { Tensor } from '../tensor/tensor.js';
import { type Primitive, UndefPrimal } from '../trace/primitive.js';
import { add } from './add.js';
import { unbroadcast } from './broadcast_in_dim.js';
import { addTangents, applyElementwise, defineElementwise } from './elementwise.js';
import type { TensorLike } from './operands.js';

export const mulPrim: Primitive = defineElementwise({
  name: 'mul',
  arity: 2,
  expr: 'x * y',
  // int32 products can exceed 2^53, where `x * y` would lose the low bits the wrap keeps.
  int32ExprOf: () => 'Math.imul(x, y)',
  accepts: 'numeric',
  jvp([x, y], [tx, ty]) {
    return [[mul(x, y)], [addTangents(tx && mul(tx, y), ty && mul(x, ty), add)]];
  },
  // Linear in whichever operand is undefined (the other is a known residual).
  transpose([ct], [x, y]) {
    if (!ct) return [null, null];
    return [
      x instanceof UndefPrimal ? unbroadcast(mul(ct, y as Tensor), x.aval.shape) : null,
      y instanceof UndefPrimal ? unbroadcast(mul(x as Tensor, ct), y.aval.shape) : null,
    ];
  },
});

/** Elementwise x · y with numpy broadcasting. */
export function mul(x: TensorLike, y: TensorLike): Tensor {
  return applyElementwise(mulPrim, 'mul', [x, y]);
}
