// SPDX-License-Identifier: MIT
// Float32 transcendentals as branch-free f32x4 code: each evaluates in two float64x2 halves
// (f64x2_math.ts) and rounds once to float32, then patches the special inputs the kernels do not
// cover (log of 0 or a negative, ...). The scalar form splats the value, runs the same vector code
// and takes lane 0, so a loop's scalar tail gives bitwise the results of its SIMD body.
import type { CodeWriter, Local } from '../builder.js';
import type { OpContext } from './context.js';
import {
  expF64x2,
  logF64x2,
  logisticF64x2,
  SIN_COS_REDUCTION_LIMIT,
  sinCosF64x2,
  tanhF64x2,
} from './f64x2_math.js';
import { hostPerLane, viaFloat64Halves } from './lanes.js';

export type F32Transcendental = 'exp' | 'log' | 'log1p' | 'tanh' | 'logistic' | 'sin' | 'cos';

/** exp overflows float32 above 88.73 and underflows below −103.98; clamping keeps 2^n exact. */
const EXP_RANGE = [-110, 90] as const;

function clamped(w: CodeWriter, x: Local, lo: number, hi: number): Local {
  const c = w.local('v128');
  w.get(x).f64x2(hi).op('f64x2.pmin').f64x2(lo).op('f64x2.pmax').set(c);
  return c;
}

/** log(1 + h) from u = fl(1 + h): log u − ((u − 1) − h)/u corrects u's rounding. */
function log1pF64x2(w: CodeWriter, h: Local): void {
  const u = w.local('v128');
  w.get(h).f64x2(1).op('f64x2.add').set(u);
  logF64x2(w, u);
  w.get(u).f64x2(1).op('f64x2.sub').get(h).op('f64x2.sub').get(u).op('f64x2.div');
  w.op('f64x2.sub');
}

/** Replaces lanes of the vector on the stack where `mask` (pushes an f32x4 mask) holds. */
function patch(w: CodeWriter, value: () => void, mask: () => void): void {
  const r = w.local('v128');
  w.set(r);
  value();
  w.get(r);
  mask();
  w.op('v128.bitselect');
}

const eqConst = (w: CodeWriter, x: Local, c: number) => () => w.get(x).f32x4(c).op('f32x4.eq');

/** NaN where x < bound or x is NaN. */
const belowOrNaN = (w: CodeWriter, x: Local, bound: number) => () => {
  w.get(x).f32x4(bound).op('f32x4.lt');
  w.get(x).get(x).op('f32x4.ne').op('v128.or');
};

/** Pushes f(x) for the f32x4 in `x`. */
export function emitF32x4Transcendental(ctx: OpContext, name: F32Transcendental, x: Local): void {
  const { w } = ctx;
  switch (name) {
    case 'exp':
      viaFloat64Halves(w, [x], ([h]) => expF64x2(w, clamped(w, h, EXP_RANGE[0], EXP_RANGE[1])));
      return;
    case 'tanh':
      viaFloat64Halves(w, [x], ([h]) => tanhF64x2(w, h));
      return;
    case 'logistic':
      viaFloat64Halves(w, [x], ([h]) => logisticF64x2(w, h));
      return;
    case 'log':
      viaFloat64Halves(w, [x], ([h]) => logF64x2(w, h));
      patch(w, () => w.f32x4(-Infinity), eqConst(w, x, 0));
      patch(w, () => w.f32x4(Infinity), eqConst(w, x, Infinity));
      patch(w, () => w.f32x4(Number.NaN), belowOrNaN(w, x, 0));
      return;
    case 'log1p':
      viaFloat64Halves(w, [x], ([h]) => log1pF64x2(w, h));
      // ±0 keep their sign; the correction term would turn −0 into +0.
      patch(w, () => w.get(x), eqConst(w, x, 0));
      patch(w, () => w.f32x4(-Infinity), eqConst(w, x, -1));
      patch(w, () => w.f32x4(Infinity), eqConst(w, x, Infinity));
      patch(w, () => w.f32x4(Number.NaN), belowOrNaN(w, x, -1));
      return;
    case 'sin':
    case 'cos':
      sinCosF32x4(ctx, name, x);
      return;
  }
}

/**
 * sin/cos: the vector reduction is exact up to |x| = 1.5e6; lanes beyond (and ±Inf) take the
 * host's Math.sin/cos, chosen per lane so a lane's result never depends on its neighbours.
 * The host branch runs only when some lane needs it.
 */
function sinCosF32x4(ctx: OpContext, name: 'sin' | 'cos', x: Local): void {
  const { w } = ctx;
  const poly = w.local('v128');
  const big = w.local('v128');
  const host = w.local('v128');
  viaFloat64Halves(w, [x], ([h]) => sinCosF64x2(w, h, name))
    .tee(poly)
    .set(host);
  w.get(x).op('f32x4.abs').f32x4(SIN_COS_REDUCTION_LIMIT).op('f32x4.gt').tee(big);
  w.op('v128.any_true');
  w.if(() => {
    hostPerLane(w, ctx.hostMath(name), [x], 'f32').set(host);
  });
  w.get(host).get(poly).get(big).op('v128.bitselect');
  // sin(±0) = ±0: the polynomial's r + r·z·S(z) adds +0 to −0.
  if (name === 'sin') patch(w, () => w.get(x), eqConst(w, x, 0));
}

/** Scalar form: splat, the vector code, lane 0. */
export function emitF32Transcendental(ctx: OpContext, name: F32Transcendental, x: Local): void {
  const { w } = ctx;
  const v = w.local('v128');
  w.get(x).op('f32x4.splat').set(v);
  emitF32x4Transcendental(ctx, name, v);
  w.lane('f32x4.extract_lane', 0);
}
