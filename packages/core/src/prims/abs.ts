// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { mul } from './mul.js';
import type { TensorLike } from './operands.js';
import { sign } from './sign.js';

export const absPrim: Primitive = defineElementwise({
  name: 'abs',
  arity: 1,
  expr: 'Math.abs(x)',
  accepts: 'numeric',
  jvp([x], [t]) {
    const out = abs(x);
    return [[out], [t && mul(t, sign(x))]];
  },
});

/** Elementwise |x| (derivative sign(x), 0 at 0). */
export function abs(x: TensorLike): Tensor {
  return applyElementwise(absPrim, 'abs', [x], undefined);
}
