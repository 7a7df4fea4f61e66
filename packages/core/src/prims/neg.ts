// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import type { TensorLike } from './operands.js';

export const negPrim: Primitive = defineElementwise({
  name: 'neg',
  arity: 1,
  expr: '-x',
  accepts: 'numeric',
  jvp([x], [t]) {
    return [[neg(x)], [t && neg(t)]];
  },
  transpose([ct]) {
    return [ct && neg(ct)];
  },
});

/** Elementwise −x. */
export function neg(x: TensorLike): Tensor {
  return applyElementwise(negPrim, 'neg', [x]);
}
