// SPDX-License-Identifier: MIT
// The error function as a primitive: its kernel is the float64 erf of kernels/erf.ts, called from
// the expression as `SpecialMath.erf` (see kernels/special_math.ts).
import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { exp } from './exp.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import type { TensorLike } from './operands.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

export const erfPrim: Primitive = defineElementwise({
  name: 'erf',
  arity: 1,
  expr: 'SpecialMath.erf(x)',
  accepts: 'float',
  jvp([x], [t]) {
    const out = erf(x);
    // d/dx erf(x) = 2/√π · e^(−x²), written with traceable operations (higher orders follow).
    return [[out], [t && mul(t, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI))]];
  },
});

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, elementwise, accurate to an ulp in float64.
 * Integer inputs give float32.
 *
 * @example
 * ```ts
 * erf(tensor([0, 1, -2])).toArray(); // [0, 0.8427008, -0.9953223]
 * ```
 */
export function erf(x: TensorLike): Tensor {
  return applyElementwise(erfPrim, 'erf', [x], 'float32');
}
