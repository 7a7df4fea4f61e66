// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { div } from './div.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { mul } from './mul.js';
import type { TensorLike } from './operands.js';

export const rsqrtPrim: Primitive = defineElementwise({
  name: 'rsqrt',
  arity: 1,
  expr: '1 / Math.sqrt(x)',
  accepts: 'float',
  jvp([x], [t]) {
    const out = rsqrt(x);
    return [[out], [t && mul(t, mul(div(out, x), -0.5))]];
  },
});

/** Elementwise 1 / √x. */
export function rsqrt(x: TensorLike): Tensor {
  return applyElementwise(rsqrtPrim, 'rsqrt', [x], 'float32');
}
