// SPDX-License-Identifier: MIT
// Bool-valued float tests (is_nan, is_inf, is_finite) and the logical operations on bools.
// Bools are 0/1 in scalar code and lane masks in SIMD code (see compare_select.ts): a float32
// test gives i32x4 masks and a float64 test i64x2 masks; and/or/xor/not act on the bits, so
// they serve either mask width.
import type { PlainOp } from '../opcodes.js';
import { type OpContext, popOperands } from './context.js';
import { valTypeOf } from './value_types.js';

export type FloatPredicate = 'is_nan' | 'is_inf' | 'is_finite';
export type Logical = 'logical_and' | 'logical_or' | 'logical_xor' | 'logical_not';

interface FloatOps {
  ne: PlainOp;
  eq: PlainOp;
  sub: PlainOp;
  abs: PlainOp;
  constant: (ctx: OpContext, v: number) => void;
}

const FLOAT_OPS: Record<'float32' | 'float64', Record<'scalar' | 'simd', FloatOps>> = {
  float32: {
    scalar: {
      ne: 'f32.ne',
      eq: 'f32.eq',
      sub: 'f32.sub',
      abs: 'f32.abs',
      constant: (c, v) => c.w.f32(v),
    },
    simd: {
      ne: 'f32x4.ne',
      eq: 'f32x4.eq',
      sub: 'f32x4.sub',
      abs: 'f32x4.abs',
      constant: (c, v) => c.w.f32x4(v),
    },
  },
  float64: {
    scalar: {
      ne: 'f64.ne',
      eq: 'f64.eq',
      sub: 'f64.sub',
      abs: 'f64.abs',
      constant: (c, v) => c.w.f64(v),
    },
    simd: {
      ne: 'f64x2.ne',
      eq: 'f64x2.eq',
      sub: 'f64x2.sub',
      abs: 'f64x2.abs',
      constant: (c, v) => c.w.f64x2(v),
    },
  },
};

/** x ≠ x (NaN); |x| = ∞; x − x = 0 (finite: ∞ − ∞ and NaN − NaN are NaN). */
export function emitFloatPredicate(
  ctx: OpContext,
  prim: FloatPredicate,
  dtype: 'float32' | 'float64',
): void {
  const { w } = ctx;
  const ops = FLOAT_OPS[dtype][ctx.lanes];
  const [x] = popOperands(w, [valTypeOf(dtype, ctx.lanes)]);
  if (prim === 'is_nan') {
    w.get(x).get(x).op(ops.ne);
  } else if (prim === 'is_inf') {
    w.get(x).op(ops.abs);
    ops.constant(ctx, Number.POSITIVE_INFINITY);
    w.op(ops.eq);
  } else {
    w.get(x).get(x).op(ops.sub);
    ops.constant(ctx, 0);
    w.op(ops.eq);
  }
}

const LOGICAL: Record<Logical, readonly [scalar: PlainOp, simd: PlainOp]> = {
  logical_and: ['i32.and', 'v128.and'],
  logical_or: ['i32.or', 'v128.or'],
  logical_xor: ['i32.xor', 'v128.xor'],
  // 0/1 flags: x = 0; masks: every bit flipped.
  logical_not: ['i32.eqz', 'v128.not'],
};

export function emitLogical(ctx: OpContext, prim: Logical): void {
  ctx.w.op(LOGICAL[prim][ctx.lanes === 'simd' ? 1 : 0]);
}
