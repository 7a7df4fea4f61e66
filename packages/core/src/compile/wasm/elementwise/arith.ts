// SPDX-License-Identifier: MIT
// Exact arithmetic: add sub mul div neg abs sign max min, bitwise equal to the eager kernels
// (which compute in float64 and store into the output's typed array: float32 + − × ÷ round once,
// which the float32 instruction does too; int32 results wrap as ToInt32 does).

import type { DType } from '../../../tensor/dtype.js';
import type { CodeWriter, Local } from '../builder.js';
import type { PlainOp } from '../opcodes.js';
import { type OpContext, popOperands } from './context.js';
import { i64x2Const } from './lanes.js';
import { valTypeOf } from './value_types.js';

type NumericDType = 'float32' | 'float64' | 'int32';
type OpTable = Record<NumericDType, readonly [scalar: PlainOp, simd: PlainOp]>;

const BINARY: Record<'add' | 'sub' | 'mul', OpTable> = {
  add: {
    float32: ['f32.add', 'f32x4.add'],
    float64: ['f64.add', 'f64x2.add'],
    int32: ['i32.add', 'i32x4.add'],
  },
  sub: {
    float32: ['f32.sub', 'f32x4.sub'],
    float64: ['f64.sub', 'f64x2.sub'],
    int32: ['i32.sub', 'i32x4.sub'],
  },
  // int32: the wrapping product, as Math.imul.
  mul: {
    float32: ['f32.mul', 'f32x4.mul'],
    float64: ['f64.mul', 'f64x2.mul'],
    int32: ['i32.mul', 'i32x4.mul'],
  },
};

const pick = (ctx: OpContext, ops: readonly [PlainOp, PlainOp]): PlainOp =>
  ctx.lanes === 'simd' ? ops[1] : ops[0];

export function emitBinary(ctx: OpContext, prim: 'add' | 'sub' | 'mul', dtype: NumericDType): void {
  ctx.w.op(pick(ctx, BINARY[prim][dtype]));
}

const JOIN_LOWS = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

/**
 * x / y with the eager int32 semantics: ToInt32(x / y) truncates, a zero divisor gives 0 (±Inf
 * and NaN become 0), and INT_MIN / −1 wraps to INT_MIN. Never traps.
 */
function emitIntDiv(ctx: OpContext): void {
  const { w } = ctx;
  if (ctx.lanes === 'scalar') {
    const [x, y] = popOperands(w, ['i32', 'i32']);
    const r = w.local('i32');
    // Divide by 1 where the divisor is 0 or −1 (i32.div_s would trap); patch those after.
    w.i32(0).get(x).op('i32.sub');
    w.get(x).i32(1).get(y);
    w.get(y).op('i32.eqz').get(y).i32(-1).op('i32.eq').op('i32.or');
    w.op('select').op('i32.div_s');
    w.get(y).i32(-1).op('i32.eq').op('select').set(r);
    w.i32(0).get(r).get(y).op('i32.eqz').op('select');
    return;
  }
  // No i32x4 division: divide as float64 halves (exact: |x| < 2^53), truncate, join.
  const [x, y] = popOperands(w, ['v128', 'v128']);
  for (const high of [false, true]) {
    for (const v of [x, y]) {
      w.get(v);
      if (high) w.get(v).shuffle(HIGH_TO_LOW);
      w.op('f64x2.convert_low_i32x4_s');
    }
    w.op('f64x2.div').op('i32x4.trunc_sat_f64x2_s_zero');
  }
  w.shuffle(JOIN_LOWS);
  const q = w.local('v128');
  w.set(q);
  const r = w.local('v128');
  w.get(x).op('i32x4.neg').get(q).get(y).i32x4(-1).op('i32x4.eq').op('v128.bitselect').set(r);
  w.i32x4(0).get(r).get(y).i32x4(0).op('i32x4.eq').op('v128.bitselect');
}

export function emitDiv(ctx: OpContext, dtype: NumericDType): void {
  if (dtype === 'int32') emitIntDiv(ctx);
  else
    ctx.w.op(
      dtype === 'float32'
        ? pick(ctx, ['f32.div', 'f32x4.div'])
        : pick(ctx, ['f64.div', 'f64x2.div']),
    );
}

export function emitNeg(ctx: OpContext, dtype: NumericDType): void {
  const { w } = ctx;
  if (dtype === 'float32') w.op(pick(ctx, ['f32.neg', 'f32x4.neg']));
  else if (dtype === 'float64') w.op(pick(ctx, ['f64.neg', 'f64x2.neg']));
  else if (ctx.lanes === 'simd') w.op('i32x4.neg');
  else {
    const [x] = popOperands(w, ['i32']);
    w.i32(0).get(x).op('i32.sub');
  }
}

export function emitAbs(ctx: OpContext, dtype: NumericDType): void {
  const { w } = ctx;
  if (dtype === 'float32') w.op(pick(ctx, ['f32.abs', 'f32x4.abs']));
  else if (dtype === 'float64') w.op(pick(ctx, ['f64.abs', 'f64x2.abs']));
  else if (ctx.lanes === 'simd')
    w.op('i32x4.abs'); // |INT_MIN| wraps to INT_MIN, as ToInt32 does
  else {
    const [x] = popOperands(w, ['i32']);
    w.i32(0).get(x).op('i32.sub').get(x).get(x).i32(0).op('i32.lt_s').op('select');
  }
}

/** Math.sign: −1, 0 or 1; floats keep ±0 and NaN. */
export function emitSign(ctx: OpContext, dtype: NumericDType): void {
  const { w } = ctx;
  const [x] = popOperands(w, [valTypeOf(dtype, ctx.lanes)]);
  if (dtype === 'int32') {
    // (x < 0) − (x > 0) on masks (−1 where true) is sign(x); on 0/1 flags it is the reverse.
    const [lt, gt, sub]: PlainOp[] =
      ctx.lanes === 'simd'
        ? ['i32x4.lt_s', 'i32x4.gt_s', 'i32x4.sub']
        : ['i32.gt_s', 'i32.lt_s', 'i32.sub'];
    w.get(x).i32(0);
    if (ctx.lanes === 'simd') w.op('i32x4.splat');
    w.op(lt);
    w.get(x).i32(0);
    if (ctx.lanes === 'simd') w.op('i32x4.splat');
    w.op(gt).op(sub);
    return;
  }
  if (ctx.lanes === 'scalar') {
    const [one, copysign, eq, ne] =
      dtype === 'float32'
        ? (['f32', 'f32.copysign', 'f32.eq', 'f32.ne'] as const)
        : (['f64', 'f64.copysign', 'f64.eq', 'f64.ne'] as const);
    w.get(x);
    if (one === 'f32') w.f32(1);
    else w.f64(1);
    w.get(x).op(copysign);
    w.get(x);
    if (one === 'f32') w.f32(0);
    else w.f64(0);
    w.op(eq).get(x).get(x).op(ne).op('i32.or').op('select');
    return;
  }
  // bitselect(x, copysign(1, x), x == 0 | x != x)
  w.get(x);
  if (dtype === 'float32') {
    w.get(x)
      .i32x4(0x80000000 | 0)
      .op('v128.and')
      .f32x4(1)
      .op('v128.or');
    w.get(x).f32x4(0).op('f32x4.eq').get(x).get(x).op('f32x4.ne');
  } else {
    w.get(x);
    i64x2Const(w, -0x8000000000000000n).op('v128.and').f64x2(1).op('v128.or');
    w.get(x).f64x2(0).op('f64x2.eq').get(x).get(x).op('f64x2.ne');
  }
  w.op('v128.or').op('v128.bitselect');
}

/** max/min as the eager kernels define them: `x > y || x !== x ? x : y` (NaN wins). */
export function emitExtremum(ctx: OpContext, prim: 'max' | 'min', dtype: NumericDType): void {
  const { w } = ctx;
  const type = valTypeOf(dtype, ctx.lanes);
  const [x, y] = popOperands(w, [type, type]);
  const wins = (a: Local, b: Local): CodeWriter => {
    const table: Record<NumericDType, readonly [PlainOp, PlainOp, PlainOp, PlainOp]> = {
      float32: ['f32.gt', 'f32.lt', 'f32x4.gt', 'f32x4.lt'],
      float64: ['f64.gt', 'f64.lt', 'f64x2.gt', 'f64x2.lt'],
      int32: ['i32.gt_s', 'i32.lt_s', 'i32x4.gt_s', 'i32x4.lt_s'],
    };
    const ops = table[dtype];
    const k = (ctx.lanes === 'simd' ? 2 : 0) + (prim === 'max' ? 0 : 1);
    return w.get(a).get(b).op(ops[k]);
  };
  w.get(x).get(y);
  wins(x, y);
  if (dtype !== 'int32') {
    const ne: PlainOp =
      ctx.lanes === 'scalar'
        ? dtype === 'float32'
          ? 'f32.ne'
          : 'f64.ne'
        : dtype === 'float32'
          ? 'f32x4.ne'
          : 'f64x2.ne';
    w.get(x)
      .get(x)
      .op(ne)
      .op(ctx.lanes === 'simd' ? 'v128.or' : 'i32.or');
  }
  w.op(ctx.lanes === 'simd' ? 'v128.bitselect' : 'select');
}

export function isNumeric(d: DType): d is NumericDType {
  return d === 'float32' || d === 'float64' || d === 'int32';
}
