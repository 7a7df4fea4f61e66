// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { mul } from './mul.js';
import type { TensorLike } from './operands.js';

export const expPrim: Primitive = defineElementwise({
  name: 'exp',
  arity: 1,
  expr: 'Math.exp(x)',
  accepts: 'float',
  jvp([x], [t]) {
    const out = exp(x);
    return [[out], [t && mul(t, out)]];
  },
});

/** Elementwise eˣ. */
export function exp(x: TensorLike): Tensor {
  return applyElementwise(expPrim, 'exp', [x], 'float32');
}
