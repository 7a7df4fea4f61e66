// SPDX-License-Identifier: MIT
import type { Tensor } from '../tensor/tensor.js';
import { type Primitive, UndefPrimal } from '../trace/primitive.js';
import { unbroadcast } from './broadcast_in_dim.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import type { TensorLike } from './operands.js';
import { sub } from './sub.js';

export const divPrim: Primitive = defineElementwise({
  name: 'div',
  arity: 2,
  expr: 'x / y',
  accepts: 'numeric',
  jvp([x, y], [tx, ty]) {
    const out = div(x, y);
    // d(x/y) = (dx − out·dy) / y
    if (!tx && !ty) return [[out], [null]];
    const num = tx && ty ? sub(tx, mul(out, ty)) : tx ? tx : neg(mul(out, ty!));
    return [[out], [div(num, y)]];
  },
  transpose([ct], [x, y]) {
    if (!ct) return [null, null];
    return [
      x instanceof UndefPrimal ? unbroadcast(div(ct, y as Tensor), x.aval.shape) : null,
      null,
    ];
  },
});

/** Elementwise x / y (int32 division truncates toward zero). */
export function div(x: TensorLike, y: TensorLike): Tensor {
  return applyElementwise(divPrim, 'div', [x, y]);
}
