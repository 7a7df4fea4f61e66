// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import type { TensorLike } from './operands.js';

export const signPrim: Primitive = defineElementwise({
  name: 'sign',
  arity: 1,
  expr: 'Math.sign(x)',
  accepts: 'numeric',
  jvp([x]) {
    const out = sign(x);
    return [[out], [null]];
  },
});

/** Elementwise sign: −1, 0 or 1 (zero derivative). */
export function sign(x: TensorLike): Tensor {
  return applyElementwise(signPrim, 'sign', [x], undefined);
}
