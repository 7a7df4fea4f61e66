// SPDX-License-Identifier: MIT
// erf through the host import of the eager kernel's own float64 erf (kernels/erf.ts), per lane:
// float32 lanes are promoted and the result demoted once, as the eager kernel's Float32Array
// store rounds it, so both lane modes equal the eager results bitwise.
import { type OpContext, pop } from './context.js';
import { hostPerLane } from './lanes.js';

export function emitErf(ctx: OpContext, dtype: 'float32' | 'float64'): void {
  const { w } = ctx;
  const fn = ctx.hostMath('erf');
  const f32 = dtype === 'float32';
  if (ctx.lanes === 'simd') {
    const x = pop(w, 'v128');
    hostPerLane(w, fn, [x], f32 ? 'f32' : 'f64');
    return;
  }
  if (f32) w.op('f64.promote_f32');
  w.call(fn);
  if (f32) w.op('f32.demote_f64');
}
