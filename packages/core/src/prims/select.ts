// SPDX-License-Identifier: MIT
import { DtypeError } from '../errors.js';
import { scalar } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Primitive, UndefPrimal } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { broadcastTo, unbroadcast } from './broadcast_in_dim.js';
import { astype } from './convert_element_type.js';
import { defineElementwise } from './elementwise.js';
import { checkOperand, type TensorLike, unifyOperands } from './operands.js';

/** select(pred, onTrue, onFalse): linear in both branches, with a bool predicate. */
export const selectPrim: Primitive = defineElementwise({
  name: 'select',
  arity: 3,
  expr: 'x ? y : z',
  accepts: 'any',
  sameDtype: [1, 2],
  jvp([p, a, b], [, ta, tb]) {
    const out = bind1(selectPrim, [p, a, b], {});
    if (!ta && !tb) return [[out], [null]];
    const zero = scalar(0, out.dtype);
    return [
      [out],
      [bind1(selectPrim, [p, ta ?? zero, tb ?? zero], {})].map((t) => broadcastTo(t, out.shape)),
    ];
  },
  transpose([ct], [p, a, b]) {
    if (!ct) return [null, null, null];
    const zero = scalar(0, ct.dtype);
    const pred = p as Tensor;
    return [
      null,
      a instanceof UndefPrimal
        ? unbroadcast(bind1(selectPrim, [pred, ct, zero], {}), a.aval.shape)
        : null,
      b instanceof UndefPrimal
        ? unbroadcast(bind1(selectPrim, [pred, zero, ct], {}), b.aval.shape)
        : null,
    ];
  },
});

/**
 * Picks `onTrue` where `pred` holds and `onFalse` elsewhere, with numpy broadcasting.
 * Gradients flow only into the branch that was picked.
 */
export function select(pred: Tensor, onTrue: TensorLike, onFalse: TensorLike): Tensor {
  checkOperand('where', pred, 'the predicate');
  if (pred.dtype !== 'bool') {
    throw new DtypeError(
      `where: the predicate has dtype ${pred.dtype}; it must be bool (use a comparison).`,
    );
  }
  const [a, b] = unifyOperands('where', [onTrue, onFalse], astype);
  return bind1(selectPrim, [pred, a, b], {});
}
