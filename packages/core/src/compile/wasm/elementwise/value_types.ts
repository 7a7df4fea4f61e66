// SPDX-License-Identifier: MIT
// How each dtype is held on the wasm stack in each lane mode.
import type { DType } from '../../../tensor/dtype.js';
import type { ValType } from '../builder.js';
import type { Lanes } from './context.js';

/** The wasm value type of a `dtype` element (or vector of elements) in `lanes` mode. */
export function valTypeOf(dtype: DType, lanes: Lanes): ValType {
  if (lanes === 'simd') return 'v128';
  return dtype === 'float32' ? 'f32' : dtype === 'float64' ? 'f64' : 'i32';
}
