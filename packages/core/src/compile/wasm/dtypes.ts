// SPDX-License-Identifier: MIT
// How each dtype is held in wasm: its value type in scalar code, its loads and stores, and its
// lane count in SIMD code. bool is one byte in memory and an i32 (0 or 1) in scalar code.
import type { DType } from '../../tensor/dtype.js';
import type { CodeWriter, ValType } from './builder.js';

export function scalarType(dtype: DType): ValType {
  return dtype === 'float32' ? 'f32' : dtype === 'float64' ? 'f64' : 'i32';
}

export function loadScalar(w: CodeWriter, dtype: DType, offset = 0): void {
  switch (dtype) {
    case 'float32':
      w.mem('f32.load', offset);
      return;
    case 'float64':
      w.mem('f64.load', offset);
      return;
    case 'int32':
      w.mem('i32.load', offset);
      return;
    case 'bool':
      w.mem('i32.load8_u', offset);
  }
}

export function storeScalar(w: CodeWriter, dtype: DType, offset = 0): void {
  switch (dtype) {
    case 'float32':
      w.mem('f32.store', offset);
      return;
    case 'float64':
      w.mem('f64.store', offset);
      return;
    case 'int32':
      w.mem('i32.store', offset);
      return;
    case 'bool':
      w.mem('i32.store8', offset);
  }
}

/** Pushes the constant `value` as a scalar of `dtype`. */
export function scalarConst(w: CodeWriter, dtype: DType, value: number): void {
  if (dtype === 'float32') w.f32(value);
  else if (dtype === 'float64') w.f64(value);
  else if (dtype === 'bool') w.i32(value ? 1 : 0);
  else w.i32(value | 0);
}

/** Pushes the constant `value` splatted over the lanes of `dtype` (bool: a lane mask). */
export function vectorConst(w: CodeWriter, dtype: DType, value: number): void {
  if (dtype === 'float32') w.f32x4(value);
  else if (dtype === 'float64') w.f64x2(value);
  else if (dtype === 'bool') w.i32x4(value ? -1 : 0);
  else w.i32x4(value | 0);
}
