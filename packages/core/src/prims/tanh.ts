// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { mul } from './mul.js';
import type { TensorLike } from './operands.js';
import { sub } from './sub.js';

export const tanhPrim: Primitive = defineElementwise({
  name: 'tanh',
  arity: 1,
  expr: 'Math.tanh(x)',
  accepts: 'float',
  jvp([x], [t]) {
    const out = tanh(x);
    return [[out], [t && mul(t, sub(1, mul(out, out)))]];
  },
});

/** Elementwise hyperbolic tangent. */
export function tanh(x: TensorLike): Tensor {
  return applyElementwise(tanhPrim, 'tanh', [x], 'float32');
}
