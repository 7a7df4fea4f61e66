// SPDX-License-Identifier: MIT
// Cumulative sums, products and maxima: associative scans (see associative_scan.ts for why).
import { DtypeError } from '../errors.js';
import { checkOptionKeys } from '../options.js';
import { add } from '../prims/add.js';
import { astype } from '../prims/convert_element_type.js';
import { maximum } from '../prims/extrema.js';
import { mul } from '../prims/mul.js';
import { reshape } from '../prims/reshape.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { associativeScan, type ScanAxisOptions } from './associative_scan.js';

type Combine = (a: Tensor, b: Tensor) => Tensor;

function cumulative(op: string, fn: Combine, x: Tensor, options: ScanAxisOptions): Tensor {
  checkOptionKeys(op, options, ['axis', 'reverse']);
  // Numpy's default (no axis) scans the flattened array; a scalar is a one-element array.
  const flat = options.axis === undefined && x.ndim !== 1;
  const input = flat ? reshape(x, [sizeOf(x.shape)]) : x;
  const axis = flat ? 0 : (options.axis ?? 0);
  return associativeScan(fn, input, { axis, reverse: options.reverse });
}

/** bool counts as int32, as numpy's cumsum and cumprod do. */
function numeric(x: Tensor): Tensor {
  return x.dtype === 'bool' ? astype(x, 'int32') : x;
}

/**
 * Running sum along `axis` (the flattened array when omitted, as numpy):
 * `cumsum(tensor([1, 2, 3]))` is `[1, 3, 6]`; `{ reverse: true }` sums from the end (`[6, 5, 3]`).
 */
export function cumsum(x: Tensor, options: ScanAxisOptions = {}): Tensor {
  return cumulative('cumsum', add, numeric(x), options);
}

/**
 * Running product along `axis` (the flattened array when omitted); its gradient is exact even
 * where x has zeros: `cumprod(tensor([1, 2, 3]))` is `[1, 2, 6]`.
 */
export function cumprod(x: Tensor, options: ScanAxisOptions = {}): Tensor {
  return cumulative('cumprod', mul, numeric(x), options);
}

/**
 * Running maximum along `axis` (the flattened array when omitted); at ties the gradient is split
 * as `maximum`'s: `cummax(tensor([1, 3, 2]))` is `[1, 3, 3]`.
 */
export function cummax(x: Tensor, options: ScanAxisOptions = {}): Tensor {
  if (x.dtype === 'bool') {
    throw new DtypeError(`cummax: ${x.aval} is bool; convert it with astype first.`);
  }
  return cumulative('cummax', maximum, x, options);
}
