// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import type { TensorLike } from './operands.js';
import { sin } from './sin.js';

export const cosPrim: Primitive = defineElementwise({
  name: 'cos',
  arity: 1,
  expr: 'Math.cos(x)',
  accepts: 'float',
  jvp([x], [t]) {
    const out = cos(x);
    return [[out], [t && neg(mul(t, sin(x)))]];
  },
});

/** Elementwise cosine. */
export function cos(x: TensorLike): Tensor {
  return applyElementwise(cosPrim, 'cos', [x], 'float32');
}
