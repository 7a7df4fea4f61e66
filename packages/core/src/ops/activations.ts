// SPDX-License-Identifier: MIT

import { abs } from '../prims/abs.js';
import { add } from '../prims/add.js';
import { eq, gt } from '../prims/comparisons.js';
import { div } from '../prims/div.js';
import { exp } from '../prims/exp.js';
import { maximum } from '../prims/extrema.js';
import { log } from '../prims/log.js';
import { log1p } from '../prims/log1p.js';
import { logistic } from '../prims/logistic.js';
import { mul } from '../prims/mul.js';
import { neg } from '../prims/neg.js';
import { select } from '../prims/select.js';
import { stopGradient } from '../prims/stop_gradient.js';
import { sub } from '../prims/sub.js';
import { normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { max, sum } from './reductions.js';

/** The logistic sigmoid 1 / (1 + e⁻ˣ). */
export const sigmoid = (x: Tensor): Tensor => logistic(x);

/** max(x, 0), with derivative 0 at 0 (as in JAX). */
export function relu(x: Tensor): Tensor {
  return select(gt(x, 0), x, 0);
}

/** x². */
export function square(x: Tensor): Tensor {
  return mul(x, x);
}

/** log(1 + eˣ), computed stably for large |x|. */
export function softplus(x: Tensor): Tensor {
  return add(maximum(x, 0), log1p(exp(neg(abs(x)))));
}

/**
 * log Σ exp(x) over `axis`, stable for large inputs: the maximum is subtracted first (and held
 * constant for differentiation, which leaves the gradient — softmax — unchanged).
 */
export function logSumExp(x: Tensor, axis = -1, keepdims = false): Tensor {
  const ax = normalizeAxis('logSumExp', axis, x.ndim, x.shape);
  // Shift by the maximum, or by 0 where it is infinite (a fully masked row of −∞ must give −∞,
  // and −∞ − (−∞) would be NaN).
  const mx = max(x, ax, true);
  const m = stopGradient(select(eq(abs(mx), Number.POSITIVE_INFINITY), 0, mx));
  const out = add(log(sum(exp(sub(x, m)), ax, true)), m);
  return keepdims ? out : sum(out, ax);
}

/** log softmax(x) along `axis`: x − logSumExp(x), without overflow. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logSumExp(x, axis, true));
}

/** softmax along `axis` (default last), computed from shifted exponentials. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const ax = normalizeAxis('softmax', axis, x.ndim, x.shape);
  const e = exp(sub(x, stopGradient(max(x, ax, true))));
  return div(e, sum(e, ax, true));
}
