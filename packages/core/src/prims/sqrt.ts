// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { div } from './div.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { mul } from './mul.js';
import type { TensorLike } from './operands.js';

export const sqrtPrim: Primitive = defineElementwise({
  name: 'sqrt',
  arity: 1,
  expr: 'Math.sqrt(x)',
  accepts: 'float',
  jvp([x], [t]) {
    const out = sqrt(x);
    return [[out], [t && div(t, mul(out, 2))]];
  },
});

/** Elementwise square root. */
export function sqrt(x: TensorLike): Tensor {
  return applyElementwise(sqrtPrim, 'sqrt', [x], 'float32');
}
