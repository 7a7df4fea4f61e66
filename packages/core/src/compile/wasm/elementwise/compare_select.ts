// SPDX-License-Identifier: MIT
// Comparisons (bool out) and select. Bools are 0/1 in scalar code and lane masks (all ones or
// zero) in SIMD code; a mask from f64x2 comparisons is uniform over each 64-bit lane, so the
// 32-bit mask operations used below serve float64 trees too.
import type { DType } from '../../../tensor/dtype.js';
import type { PlainOp } from '../opcodes.js';
import { type OpContext, popOperands } from './context.js';
import { valTypeOf } from './value_types.js';

export type Comparison = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

const COMPARE: Record<
  'float32' | 'float64' | 'int32',
  Record<Comparison, readonly [scalar: PlainOp, simd: PlainOp]>
> = {
  float32: {
    eq: ['f32.eq', 'f32x4.eq'],
    ne: ['f32.ne', 'f32x4.ne'],
    lt: ['f32.lt', 'f32x4.lt'],
    le: ['f32.le', 'f32x4.le'],
    gt: ['f32.gt', 'f32x4.gt'],
    ge: ['f32.ge', 'f32x4.ge'],
  },
  float64: {
    eq: ['f64.eq', 'f64x2.eq'],
    ne: ['f64.ne', 'f64x2.ne'],
    lt: ['f64.lt', 'f64x2.lt'],
    le: ['f64.le', 'f64x2.le'],
    gt: ['f64.gt', 'f64x2.gt'],
    ge: ['f64.ge', 'f64x2.ge'],
  },
  int32: {
    eq: ['i32.eq', 'i32x4.eq'],
    ne: ['i32.ne', 'i32x4.ne'],
    lt: ['i32.lt_s', 'i32x4.lt_s'],
    le: ['i32.le_s', 'i32x4.le_s'],
    gt: ['i32.gt_s', 'i32x4.gt_s'],
    ge: ['i32.ge_s', 'i32x4.ge_s'],
  },
};

/** true (−1) sorts below false (0) as a signed mask: compare masks in the mirrored direction. */
const MIRRORED: Record<Comparison, Comparison> = {
  eq: 'eq',
  ne: 'ne',
  lt: 'gt',
  le: 'ge',
  gt: 'lt',
  ge: 'le',
};

export function emitComparison(ctx: OpContext, prim: Comparison, dtype: DType): void {
  if (dtype === 'bool') {
    const cmp = ctx.lanes === 'simd' ? MIRRORED[prim] : prim;
    ctx.w.op(COMPARE.int32[cmp][ctx.lanes === 'simd' ? 1 : 0]);
    return;
  }
  ctx.w.op(COMPARE[dtype][prim][ctx.lanes === 'simd' ? 1 : 0]);
}

/** select(pred, onTrue, onFalse), operands pushed in that order. */
export function emitSelect(ctx: OpContext, dtype: DType): void {
  const { w } = ctx;
  const type = valTypeOf(dtype, ctx.lanes);
  const [pred, onTrue, onFalse] = popOperands(w, [valTypeOf('bool', ctx.lanes), type, type]);
  w.get(onTrue).get(onFalse).get(pred);
  w.op(ctx.lanes === 'simd' ? 'v128.bitselect' : 'select');
}
