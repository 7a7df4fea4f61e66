// SPDX-License-Identifier: MIT
// integer_pow x^y for a static y, as the eager kernels compute it: int32 by wrapping
// square-and-multiply; floats as `x ** y` (negative y: 1 / x ** |y|) in float64, rounded once.
// x ** 2 is x·x exactly in V8, so |y| ≤ 2 is inline; larger |y| calls the host's Math.pow per
// lane, since no multiplication chain reproduces its rounding.
import { DtypeError } from '../../../errors.js';
import type { Local } from '../builder.js';
import { type OpContext, pop } from './context.js';
import { hostPerLane, reciprocalF64, scalarViaFloat64, viaFloat64Halves } from './lanes.js';
import { valTypeOf } from './value_types.js';

type NumericDType = 'float32' | 'float64' | 'int32';

function intPow(ctx: OpContext, y: number): void {
  const { w } = ctx;
  const simd = ctx.lanes === 'simd';
  if (y < 0) {
    throw new DtypeError(
      `wasm elementwise integer_pow: exponent ${y} < 0 needs a float dtype, got int32.`,
    );
  }
  const b = pop(w, simd ? 'v128' : 'i32');
  const r = w.local(simd ? 'v128' : 'i32');
  const mul = simd ? 'i32x4.mul' : 'i32.mul';
  let haveR = false;
  for (let e = y; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      if (haveR) w.get(r).get(b).op(mul).set(r);
      else w.get(b).set(r);
      haveR = true;
    }
    if (e > 1) w.get(b).get(b).op(mul).set(b);
  }
  if (haveR) w.get(r);
  else if (simd) w.i32x4(1);
  else w.i32(1);
}

/** Pushes the float constant `c` in the value layout of `dtype`. */
function floatConst(ctx: OpContext, dtype: 'float32' | 'float64', c: number): void {
  const { w } = ctx;
  if (ctx.lanes === 'simd') {
    if (dtype === 'float32') w.f32x4(c);
    else w.f64x2(c);
  } else if (dtype === 'float32') w.f32(c);
  else w.f64(c);
}

function floatPow(ctx: OpContext, y: number, dtype: 'float32' | 'float64'): void {
  const { w } = ctx;
  const simd = ctx.lanes === 'simd';
  const x = pop(w, valTypeOf(dtype, ctx.lanes));
  const a = Math.abs(y);
  const op = (name: 'mul' | 'div') =>
    w.op(
      simd
        ? dtype === 'float32'
          ? `f32x4.${name}`
          : `f64x2.${name}`
        : dtype === 'float32'
          ? `f32.${name}`
          : `f64.${name}`,
    );
  if (a === 0) {
    floatConst(ctx, dtype, 1);
    return;
  }
  if (y === 1) {
    w.get(x);
    return;
  }
  if (y === -1) {
    floatConst(ctx, dtype, 1);
    w.get(x);
    op('div');
    return;
  }
  if (y === 2) {
    w.get(x).get(x);
    op('mul');
    return;
  }
  const reciprocal = y < 0 ? () => reciprocalF64(w) : undefined;
  if (y === -2) {
    const body = ([p]: Local[]) => {
      if (simd) w.f64x2(1).get(p).get(p).op('f64x2.mul').op('f64x2.div');
      else w.f64(1).get(p).get(p).op('f64.mul').op('f64.div');
    };
    if (dtype === 'float64') body([x]);
    else if (simd) viaFloat64Halves(w, [x], body);
    else scalarViaFloat64(w, [x], body);
    return;
  }
  const pow = ctx.hostMath('pow');
  if (simd) {
    hostPerLane(w, pow, [x, a], dtype === 'float32' ? 'f32' : 'f64', reciprocal);
    return;
  }
  w.get(x);
  if (dtype === 'float32') w.op('f64.promote_f32');
  w.f64(a).call(pow);
  reciprocal?.();
  if (dtype === 'float32') w.op('f32.demote_f64');
}

export function emitIntegerPow(ctx: OpContext, y: number, dtype: NumericDType): void {
  if (!Number.isInteger(y)) {
    throw new DtypeError(`wasm elementwise integer_pow: exponent ${y} is not an integer.`);
  }
  if (dtype === 'int32') intPow(ctx, y);
  else floatPow(ctx, y, dtype);
}
