// SPDX-License-Identifier: MIT
import type { Tensor } from '../tensor/tensor.js';
import { type Primitive, UndefPrimal } from '../trace/primitive.js';
import { broadcastTo, unbroadcast } from './broadcast_in_dim.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import type { TensorLike } from './operands.js';

export const addPrim: Primitive = defineElementwise({
  name: 'add',
  arity: 2,
  expr: 'x + y',
  accepts: 'numeric',
  jvp([x, y], [tx, ty]) {
    const out = add(x, y);
    if (!tx && !ty) return [[out], [null]];
    return [[out], [tx && ty ? add(tx, ty) : broadcastTo((tx ?? ty)!, out.shape)]];
  },
  transpose([ct], operands) {
    return operands.map((v) =>
      ct && v instanceof UndefPrimal ? unbroadcast(ct, v.aval.shape) : null,
    );
  },
});

/** Elementwise x + y with numpy broadcasting. */
export function add(x: TensorLike, y: TensorLike): Tensor {
  return applyElementwise(addPrim, 'add', [x, y]);
}
