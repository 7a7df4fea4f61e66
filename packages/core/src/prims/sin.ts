// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { cos } from './cos.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { mul } from './mul.js';
import type { TensorLike } from './operands.js';

export const sinPrim: Primitive = defineElementwise({
  name: 'sin',
  arity: 1,
  expr: 'Math.sin(x)',
  accepts: 'float',
  jvp([x], [t]) {
    const out = sin(x);
    return [[out], [t && mul(t, cos(x))]];
  },
});

/** Elementwise sine. */
export function sin(x: TensorLike): Tensor {
  return applyElementwise(sinPrim, 'sin', [x], 'float32');
}
