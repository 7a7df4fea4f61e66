// SPDX-License-Identifier: MIT

import { InvalidArgumentError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Primitive } from '../trace/primitive.js';
import { applyElementwise, defineElementwise } from './elementwise.js';
import { mul } from './mul.js';
import type { TensorLike } from './operands.js';

export interface IntegerPowParams {
  readonly [key: string]: unknown;
  readonly y: number;
}

export const integerPowPrim: Primitive<IntegerPowParams> = defineElementwise<IntegerPowParams>({
  name: 'integer_pow',
  arity: 1,
  exprOf: ({ y }) => (y >= 0 ? `x ** ${y}` : `1 / (x ** ${-y})`),
  // Exact wrapping int32 power by squaring (`x ** y` rounds once it exceeds 2^53). Negative
  // exponents never reach int32: integerPow promotes them to a float dtype.
  int32ExprOf: ({ y }) =>
    `((b) => { let r = 1; for (let e = ${y}; e > 0; e >>>= 1) { if (e & 1) r = Math.imul(r, b); b = Math.imul(b, b); } return r; })(x)`,
  accepts: 'numeric',
  jvp([x], [t], { y }) {
    const out = integerPow(x, y);
    if (!t || y === 0) return [[out], [null]];
    return [[out], [mul(t, mul(integerPow(x, y - 1), y))]];
  },
});

/** Elementwise x^n for a static integer n (exact for integer tensors; negative n for floats). */
export function integerPow(x: TensorLike, y: number): Tensor {
  if (!Number.isInteger(y)) {
    throw new InvalidArgumentError(`integerPow: exponent ${y} is not an integer; use pow instead.`);
  }
  if (y === 1 && typeof x !== 'number') return x;
  return applyElementwise(integerPowPrim, 'integerPow', [x], y < 0 ? 'float32' : undefined, { y });
}
