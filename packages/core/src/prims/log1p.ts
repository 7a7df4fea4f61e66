// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { add } from './add.js';
import { div } from './div.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import type { TensorLike } from './operands.js';

export const log1pPrim: Primitive = defineElementwise({
  name: 'log1p',
  arity: 1,
  expr: 'Math.log1p(x)',
  accepts: 'float',
  jvp([x], [t]) {
    const out = log1p(x);
    return [[out], [t && div(t, add(x, 1))]];
  },
});

/** Elementwise log(1 + x), accurate for small x. */
export function log1p(x: TensorLike): Tensor {
  return applyElementwise(log1pPrim, 'log1p', [x], 'float32');
}
