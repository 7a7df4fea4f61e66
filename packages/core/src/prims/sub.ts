// SPDX-License-Identifier: MIT
import type { Tensor } from '../tensor/tensor.js';
import { type Primitive, UndefPrimal } from '../trace/primitive.js';
import { broadcastTo, unbroadcast } from './broadcast_in_dim.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { neg } from './neg.js';
import type { TensorLike } from './operands.js';

export const subPrim: Primitive = defineElementwise({
  name: 'sub',
  arity: 2,
  expr: 'x - y',
  accepts: 'numeric',
  jvp([x, y], [tx, ty]) {
    const out = sub(x, y);
    if (!tx && !ty) return [[out], [null]];
    const t =
      tx && ty ? sub(tx, ty) : tx ? broadcastTo(tx, out.shape) : broadcastTo(neg(ty!), out.shape);
    return [[out], [t]];
  },
  transpose([ct], [x, y]) {
    if (!ct) return [null, null];
    return [
      x instanceof UndefPrimal ? unbroadcast(ct, x.aval.shape) : null,
      y instanceof UndefPrimal ? unbroadcast(neg(ct), y.aval.shape) : null,
    ];
  },
});

/** Elementwise x − y with numpy broadcasting. */
export function sub(x: TensorLike, y: TensorLike): Tensor {
  return applyElementwise(subPrim, 'sub', [x, y]);
}
