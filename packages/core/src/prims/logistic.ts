// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { mul } from './mul.js';
import type { TensorLike } from './operands.js';
import { sub } from './sub.js';

export const logisticPrim: Primitive = defineElementwise({
  name: 'logistic',
  arity: 1,
  expr: '1 / (1 + Math.exp(-x))',
  accepts: 'float',
  jvp([x], [t]) {
    const out = logistic(x);
    return [[out], [t && mul(t, mul(out, sub(1, out)))]];
  },
});

/** Elementwise logistic sigmoid 1 / (1 + e⁻ˣ). */
export function logistic(x: TensorLike): Tensor {
  return applyElementwise(logisticPrim, 'logistic', [x], 'float32');
}
