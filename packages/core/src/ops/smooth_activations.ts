// SPDX-License-Identifier: MIT
// gelu, silu, elu and leakyRelu: composites, so gradients (of any order) come from their parts.
// Integer and bool inputs are computed in float32.
import { InvalidArgumentError } from '../errors.js';
import { checkOptionKeys } from '../options.js';
import { add } from '../prims/add.js';
import { ge, gt } from '../prims/comparisons.js';
import { astype } from '../prims/convert_element_type.js';
import { div } from '../prims/div.js';
import { erf } from '../prims/erf.js';
import { logistic } from '../prims/logistic.js';
import { mul } from '../prims/mul.js';
import { type TensorLike, unifyOperands } from '../prims/operands.js';
import { select } from '../prims/select.js';
import { sub } from '../prims/sub.js';
import { tanh } from '../prims/tanh.js';
import type { Tensor } from '../tensor/tensor.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const SQRT_HALF = Math.SQRT1_2;

function floatInput(op: string, x: TensorLike): Tensor {
  return unifyOperands(op, [x], astype, 'float32')[0];
}

function finiteNumber(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`${op}: ${name} must be a finite number, got ${String(value)}.`);
  }
  return value;
}

/** Options of {@link gelu}. */
export interface GeluOptions {
  /**
   * Use the tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (default true, as in
   * JAX); false gives the exact x·Φ(x) = 0.5·x·(1 + erf(x/√2)).
   */
  approximate?: boolean;
}

/**
 * Gaussian error linear unit x·Φ(x), Φ the standard normal CDF; by default the tanh
 * approximation (`{ approximate: false }` for the exact form through `erf`), as in JAX.
 *
 * @example
 * ```ts
 * gelu(tensor([-1, 0, 1])).toArray();                         // [-0.158808, 0, 0.841192]
 * gelu(tensor([-1, 0, 1]), { approximate: false }).toArray(); // [-0.158655, 0, 0.841345]
 * ```
 */
export function gelu(x: TensorLike, options?: GeluOptions): Tensor {
  checkOptionKeys('gelu', options, ['approximate']);
  const approximate = options?.approximate ?? true;
  if (typeof approximate !== 'boolean') {
    throw new InvalidArgumentError(
      `gelu: approximate must be a boolean, got ${String(approximate)}.`,
    );
  }
  const v = floatInput('gelu', x);
  if (!approximate) return mul(mul(v, 0.5), add(erf(mul(v, SQRT_HALF)), 1));
  const inner = mul(add(v, mul(mul(mul(v, v), v), 0.044715)), SQRT_2_OVER_PI);
  return mul(mul(v, 0.5), add(tanh(inner), 1));
}

/**
 * Sigmoid linear unit (swish) x·σ(x).
 *
 * @example
 * ```ts
 * silu(tensor([-1, 0, 2])).toArray(); // [-0.268941, 0, 1.761594]
 * ```
 */
export function silu(x: TensorLike): Tensor {
  const v = floatInput('silu', x);
  return mul(v, logistic(v));
}

/** eˣ − 1 for x ≤ 0 without cancellation: 2·tanh(x/2) / (1 − tanh(x/2)), where 1 − tanh ≥ 1. */
function expm1NonPositive(x: Tensor): Tensor {
  const u = tanh(mul(x, 0.5));
  return div(mul(u, 2), sub(1, u));
}

/**
 * Exponential linear unit: x for x > 0, alpha·(eˣ − 1) otherwise. The derivative at 0 is alpha
 * (from the negative side, as in JAX).
 *
 * @example
 * ```ts
 * elu(tensor([-1, 0, 2])).toArray();           // [-0.632121, 0, 2]
 * elu(tensor([-1, 0, 2]), 0.5).toArray();      // [-0.316060, 0, 2]
 * ```
 */
export function elu(x: TensorLike, alpha = 1): Tensor {
  const a = finiteNumber('elu', 'alpha', alpha);
  const v = floatInput('elu', x);
  const positive = gt(v, 0);
  // The unused branch gets 0 instead of a large x, so e^x never overflows into a NaN gradient.
  const negativePart = select(positive, 0, v);
  return select(positive, v, mul(expm1NonPositive(negativePart), a));
}

/**
 * Leaky rectifier: x for x ≥ 0, negativeSlope·x otherwise (derivative 1 at 0, as in JAX).
 *
 * @example
 * ```ts
 * leakyRelu(tensor([-2, 0, 3])).toArray();      // [-0.02, 0, 3]
 * leakyRelu(tensor([-2, 0, 3]), 0.2).toArray(); // [-0.4, 0, 3]
 * ```
 */
export function leakyRelu(x: TensorLike, negativeSlope = 0.01): Tensor {
  const slope = finiteNumber('leakyRelu', 'negativeSlope', negativeSlope);
  const v = floatInput('leakyRelu', x);
  return select(ge(v, 0), v, mul(v, slope));
}
