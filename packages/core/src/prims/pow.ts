// SPDX-License-Identifier: MIT

import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { add } from './add.js';
import { eq } from './comparisons.js';
import { addTangents, applyElementwise, defineElementwise } from './elementwise.js';
import { log } from './log.js';
import { mul } from './mul.js';
import type { TensorLike } from './operands.js';
import { select } from './select.js';
import { sub } from './sub.js';

export const powPrim: Primitive = defineElementwise({
  name: 'pow',
  arity: 2,
  expr: 'Math.pow(x, y)',
  accepts: 'float',
  jvp([x, y], [tx, ty]) {
    const out = pow(x, y);
    // ∂/∂x = y·x^(y−1); ∂/∂y = log(x)·x^y, taken as 0 where x = 0 (the limit for y > 0).
    const dx = tx && mul(tx, mul(y, pow(x, sub(y, 1))));
    const safeLog = ty && log(select(eq(x, 0), 1, x));
    const dy = ty && mul(ty, mul(out, safeLog!));
    return [[out], [addTangents(dx, dy, add)]];
  },
});

/** Elementwise real power x^y (both promoted to a float dtype). */
export function pow(x: TensorLike, y: TensorLike): Tensor {
  return applyElementwise(powPrim, 'pow', [x, y], 'float32');
}
