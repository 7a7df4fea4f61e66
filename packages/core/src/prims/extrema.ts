// SPDX-License-Identifier: MIT
// Elementwise max and min: one family, since their rules mirror each other.
import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { add } from './add.js';
import { broadcastTo } from './broadcast_in_dim.js';
import { eq, gt, lt } from './comparisons.js';
import { astype } from './convert_element_type.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { mul } from './mul.js';
import type { TensorLike } from './operands.js';

function extremumJvp(which: 'max' | 'min') {
  return ([x, y]: Tensor[], [tx, ty]: (Tensor | null)[]): [Tensor[], (Tensor | null)[]] => {
    const out = which === 'max' ? maximum(x, y) : minimum(x, y);
    if (!tx && !ty) return [[out], [null]];
    // The winner's tangent passes through; ties split it evenly (as JAX does).
    const wins = which === 'max' ? gt(x, y) : lt(x, y);
    const loses = which === 'max' ? lt(x, y) : gt(x, y);
    const tie = mul(astype(eq(x, y), out.dtype), 0.5);
    const weightX = add(astype(wins, out.dtype), tie);
    const weightY = add(astype(loses, out.dtype), tie);
    const parts = [tx && mul(tx, weightX), ty && mul(ty, weightY)].filter((p) => p !== null);
    const t = parts.length === 2 ? add(parts[0]!, parts[1]!) : broadcastTo(parts[0]!, out.shape);
    return [[out], [t]];
  };
}

export const maxPrim: Primitive = defineElementwise({
  name: 'max',
  arity: 2,
  expr: 'x > y || x !== x ? x : y',
  accepts: 'numeric',
  jvp: extremumJvp('max'),
});

export const minPrim: Primitive = defineElementwise({
  name: 'min',
  arity: 2,
  expr: 'x < y || x !== x ? x : y',
  accepts: 'numeric',
  jvp: extremumJvp('min'),
});

/** Elementwise maximum (NaN wins); the gradient at ties is split evenly. */
export function maximum(x: TensorLike, y: TensorLike): Tensor {
  return applyElementwise(maxPrim, 'maximum', [x, y]);
}

/** Elementwise minimum (NaN wins); the gradient at ties is split evenly. */
export function minimum(x: TensorLike, y: TensorLike): Tensor {
  return applyElementwise(minPrim, 'minimum', [x, y]);
}
