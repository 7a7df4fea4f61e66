// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { div } from './div.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import type { TensorLike } from './operands.js';

export const logPrim: Primitive = defineElementwise({
  name: 'log',
  arity: 1,
  expr: 'Math.log(x)',
  accepts: 'float',
  jvp([x], [t]) {
    const out = log(x);
    return [[out], [t && div(t, x)]];
  },
});

/** Elementwise natural logarithm. */
export function log(x: TensorLike): Tensor {
  return applyElementwise(logPrim, 'log', [x], 'float32');
}
