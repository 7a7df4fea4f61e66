// SPDX-License-Identifier: MIT
// Float-only unary functions and pow. Float32 transcendentals run the vector kernels of
// f32_math.ts; float64 ones call the host's Math.* per lane so they are exactly Math.*.
import type { DType } from '../../../tensor/dtype.js';
import type { Local } from '../builder.js';
import { type HostMathName, type OpContext, pop } from './context.js';
import {
  emitF32Transcendental,
  emitF32x4Transcendental,
  type F32Transcendental,
} from './f32_math.js';
import { hostPerLane, scalarViaFloat64, viaFloat64Halves } from './lanes.js';

export type FloatUnary = 'sqrt' | 'rsqrt' | F32Transcendental;

export function emitFloatUnary(
  ctx: OpContext,
  prim: FloatUnary,
  dtype: 'float32' | 'float64',
): void {
  const { w } = ctx;
  const simd = ctx.lanes === 'simd';
  if (prim === 'sqrt') {
    w.op(
      dtype === 'float32' ? (simd ? 'f32x4.sqrt' : 'f32.sqrt') : simd ? 'f64x2.sqrt' : 'f64.sqrt',
    );
    return;
  }
  if (prim === 'rsqrt') {
    // 1 / Math.sqrt(x) in float64, rounded once (float32 sqrt then divide would round twice).
    const x = pop(w, simd ? 'v128' : dtype === 'float32' ? 'f32' : 'f64');
    const body = ([p]: Local[]) => {
      if (simd) w.f64x2(1).get(p).op('f64x2.sqrt').op('f64x2.div');
      else w.f64(1).get(p).op('f64.sqrt').op('f64.div');
    };
    if (dtype === 'float64') body([x]);
    else if (simd) viaFloat64Halves(w, [x], body);
    else scalarViaFloat64(w, [x], body);
    return;
  }
  if (dtype === 'float32') {
    const x = pop(w, simd ? 'v128' : 'f32');
    if (simd) emitF32x4Transcendental(ctx, prim, x);
    else emitF32Transcendental(ctx, prim, x);
    return;
  }
  emitF64Transcendental(ctx, prim);
}

/** Float64 exp, log, ...: the host's Math.* per lane (logistic as 1 / (1 + Math.exp(−x))). */
function emitF64Transcendental(ctx: OpContext, prim: F32Transcendental): void {
  const { w } = ctx;
  const simd = ctx.lanes === 'simd';
  const x = pop(w, simd ? 'v128' : 'f64');
  const name: HostMathName = prim === 'logistic' ? 'exp' : prim;
  const fn = ctx.hostMath(name);
  if (prim !== 'logistic') {
    if (simd) hostPerLane(w, fn, [x], 'f64');
    else w.get(x).call(fn);
    return;
  }
  if (simd) {
    const negX = w.local('v128');
    w.get(x).op('f64x2.neg').set(negX);
    w.f64x2(1).f64x2(1);
    hostPerLane(w, fn, [negX], 'f64').op('f64x2.add').op('f64x2.div');
  } else {
    w.f64(1).f64(1).get(x).op('f64.neg').call(fn).op('f64.add').op('f64.div');
  }
}

/** pow(x, y) through the host's Math.pow per lane (float32 lanes promoted, result rounded once). */
export function emitPow(ctx: OpContext, dtype: DType): void {
  const { w } = ctx;
  const simd = ctx.lanes === 'simd';
  const f32 = dtype === 'float32';
  const fn = ctx.hostMath('pow');
  const scalarType = f32 ? 'f32' : 'f64';
  const y = pop(w, simd ? 'v128' : scalarType);
  const x = pop(w, simd ? 'v128' : scalarType);
  if (simd) {
    hostPerLane(w, fn, [x, y], f32 ? 'f32' : 'f64');
    return;
  }
  w.get(x);
  if (f32) w.op('f64.promote_f32');
  w.get(y);
  if (f32) w.op('f64.promote_f32');
  w.call(fn);
  if (f32) w.op('f32.demote_f64');
}
