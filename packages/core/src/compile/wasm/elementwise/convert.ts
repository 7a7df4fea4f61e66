// SPDX-License-Identifier: MIT
// convert_element_type with the eager semantics: float → int32 truncates and wraps modulo 2^32
// (ToInt32: NaN and ±Inf give 0), anything → bool is `!== 0` (NaN is true), bool → number is 0/1,
// float64 → float32 rounds to nearest.
import { DtypeError } from '../../../errors.js';
import type { DType } from '../../../tensor/dtype.js';
import type { CodeWriter, Local } from '../builder.js';
import type { PlainOp } from '../opcodes.js';
import { type OpContext, pop } from './context.js';

const TWO_32 = 2 ** 32;
const TWO_31 = 2 ** 31;
const JOIN_LOWS = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

/**
 * ToInt32 of the float64 (or f64x2) in `v`, left as a float64 in [−2^31, 2^31): t = trunc(v),
 * t − 2^32·floor(t/2^32) is exact (an integer below 2^32 that t's bits can hold), then shifted
 * into the signed range. NaN and ±Inf become NaN (Inf − Inf), which the saturating truncation
 * maps to 0.
 */
function toInt32Range(w: CodeWriter, v: Local, simd: boolean): void {
  const f = simd ? 'f64x2' : 'f64';
  const op = (name: string) => w.op(`${f}.${name}` as PlainOp);
  const c = (x: number) => (simd ? w.f64x2(x) : w.f64(x));
  const t = w.local(simd ? 'v128' : 'f64');
  const m = w.local(simd ? 'v128' : 'f64');
  w.get(v);
  op('trunc').tee(t).get(t);
  c(1 / TWO_32);
  op('mul');
  op('floor');
  c(TWO_32);
  op('mul');
  op('sub').tee(m);
  // m − (m ≥ 2^31 ? 2^32 : 0)
  if (simd) {
    w.f64x2(TWO_32).f64x2(0).get(m).f64x2(TWO_31).op('f64x2.ge').op('v128.bitselect');
  } else {
    w.f64(TWO_32).f64(0).get(m).f64(TWO_31).op('f64.ge').op('select');
  }
  op('sub');
}

function floatToInt32(ctx: OpContext, from: 'float32' | 'float64'): void {
  const { w } = ctx;
  if (ctx.lanes === 'scalar') {
    const x = pop(w, from === 'float32' ? 'f32' : 'f64');
    let v = x;
    if (from === 'float32') {
      v = w.local('f64');
      w.get(x).op('f64.promote_f32').set(v);
    }
    toInt32Range(w, v, false);
    w.op('i32.trunc_sat_f64_s');
    return;
  }
  if (from === 'float64') throw new DtypeError(unsupported('float64', 'int32'));
  const x = pop(w, 'v128');
  for (const high of [false, true]) {
    const h = w.local('v128');
    w.get(x);
    if (high) w.get(x).shuffle(HIGH_TO_LOW);
    w.op('f64x2.promote_low_f32x4').set(h);
    toInt32Range(w, h, true);
    w.op('i32x4.trunc_sat_f64x2_s_zero');
  }
  w.shuffle(JOIN_LOWS);
}

const unsupported = (from: DType, to: DType) =>
  `wasm elementwise convert_element_type: ${from} → ${to} changes the lane count (float64 packs ` +
  '2 lanes, the others 4); run this conversion in a scalar loop (vectorizable() says false).';

/** Whether a SIMD conversion keeps the lane count (float64 only meets float64 and bool). */
export function conversionVectorizable(from: DType, to: DType): boolean {
  const wide = (d: DType) => d === 'float64';
  const narrow = (d: DType) => d === 'float32' || d === 'int32';
  return !((wide(from) && narrow(to)) || (narrow(from) && wide(to)));
}

export function emitConvert(ctx: OpContext, from: DType, to: DType): void {
  const { w } = ctx;
  if (from === to) return;
  const simd = ctx.lanes === 'simd';
  if (simd && !conversionVectorizable(from, to)) throw new DtypeError(unsupported(from, to));
  if (to === 'bool') {
    if (simd) {
      if (from === 'float32') w.f32x4(0).op('f32x4.ne');
      else if (from === 'float64') w.f64x2(0).op('f64x2.ne');
      else w.i32x4(0).op('i32x4.ne');
    } else if (from === 'float32') w.f32(0).op('f32.ne');
    else if (from === 'float64') w.f64(0).op('f64.ne');
    else w.i32(0).op('i32.ne');
    return;
  }
  if (from === 'bool') {
    // Masks and with the bits of 1; scalar flags are already 0/1.
    if (simd) {
      if (to === 'float32') w.f32x4(1).op('v128.and');
      else if (to === 'float64') w.f64x2(1).op('v128.and');
      else w.i32x4(1).op('v128.and');
    } else if (to === 'float32') w.op('f32.convert_i32_s');
    else if (to === 'float64') w.op('f64.convert_i32_s');
    return;
  }
  if (to === 'int32') {
    floatToInt32(ctx, from as 'float32' | 'float64');
    return;
  }
  if (from === 'int32') {
    if (to === 'float32') w.op(simd ? 'f32x4.convert_i32x4_s' : 'f32.convert_i32_s');
    else w.op('f64.convert_i32_s');
    return;
  }
  // float32 ↔ float64 (scalar only).
  w.op(to === 'float64' ? 'f64.promote_f32' : 'f32.demote_f64');
}
