// SPDX-License-Identifier: MIT
// floor, ceil, trunc and round (half to even) on floats: one wasm instruction each, exact, so
// bitwise equal to the eager Math.floor / Math.ceil / Math.trunc and the half-to-even expression.
import type { PlainOp } from '../opcodes.js';
import type { OpContext } from './context.js';

export type Rounding = 'floor' | 'ceil' | 'round' | 'trunc';

const OPS: Record<Rounding, Record<'float32' | 'float64', readonly [PlainOp, PlainOp]>> = {
  floor: { float32: ['f32.floor', 'f32x4.floor'], float64: ['f64.floor', 'f64x2.floor'] },
  ceil: { float32: ['f32.ceil', 'f32x4.ceil'], float64: ['f64.ceil', 'f64x2.ceil'] },
  trunc: { float32: ['f32.trunc', 'f32x4.trunc'], float64: ['f64.trunc', 'f64x2.trunc'] },
  // `nearest` rounds ties to even, as numpy's round does.
  round: { float32: ['f32.nearest', 'f32x4.nearest'], float64: ['f64.nearest', 'f64x2.nearest'] },
};

export function emitRounding(ctx: OpContext, prim: Rounding, dtype: 'float32' | 'float64'): void {
  ctx.w.op(OPS[prim][dtype][ctx.lanes === 'simd' ? 1 : 0]);
}
