// SPDX-License-Identifier: MIT

import { astype } from '../prims/convert_element_type.js';
import { div } from '../prims/div.js';
import { reduceMax, reduceMin } from '../prims/reduce_extrema.js';
import { reduceSum } from '../prims/reduce_sum.js';
import { reshape } from '../prims/reshape.js';
import { isFloat } from '../tensor/dtype.js';
import { normalizeAxes } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** Which axes to reduce: one, several, or all (omitted/null). Negative axes count from the end. */
export type Axis = number | readonly number[] | null | undefined;

function keep(x: Tensor, axes: number[], out: Tensor, keepdims: boolean): Tensor {
  return keepdims
    ? reshape(
        out,
        x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
      )
    : out;
}

/** Sum over `axis` (all axes by default); bool tensors count their true values. */
export function sum(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  const axes = normalizeAxes('sum', axis, x.shape);
  const input = x.dtype === 'bool' ? astype(x, 'int32') : x;
  return keep(x, axes, reduceSum(input, axes), keepdims);
}

/** Arithmetic mean over `axis` (all axes by default); integer inputs give float32. */
export function mean(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  const axes = normalizeAxes('mean', axis, x.shape);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const input = isFloat(x.dtype) ? x : astype(x, 'float32');
  return keep(x, axes, div(reduceSum(input, axes), count), keepdims);
}

/** Maximum over `axis` (all axes by default). */
export function max(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  const axes = normalizeAxes('max', axis, x.shape);
  return keep(x, axes, reduceMax(x, axes), keepdims);
}

/** Minimum over `axis` (all axes by default). */
export function min(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  const axes = normalizeAxes('min', axis, x.shape);
  return keep(x, axes, reduceMin(x, axes), keepdims);
}
