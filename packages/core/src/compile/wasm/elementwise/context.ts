// SPDX-License-Identifier: MIT
// What an elementwise emitter needs from the loop around it: the code writer, the lane mode, and
// access to the host's float64 Math functions (imported into the module on first use).
import { specialMath } from '../../../kernels/special_math.js';
import type { CodeWriter, FuncRef, Local, ValType } from '../builder.js';

/**
 * `'simd'`: values are v128 (float32 → f32x4, int32 → i32x4, float64 → f64x2, bool → a lane
 * mask, all ones or zero). `'scalar'`: float32 → f32, float64 → f64, int32 and bool → i32 (0/1).
 */
export type Lanes = 'simd' | 'scalar';

/**
 * Host functions a kernel may import: `Math.<name>`, or erf from kernels/special_math.ts,
 * float64 in and out (pow takes two).
 */
export type HostMathName = 'exp' | 'log' | 'log1p' | 'tanh' | 'sin' | 'cos' | 'pow' | 'erf';

export const HOST_MATH_ARITY: Record<HostMathName, number> = {
  exp: 1,
  log: 1,
  log1p: 1,
  tanh: 1,
  sin: 1,
  cos: 1,
  pow: 2,
  erf: 1,
};

/** The functions behind the imports: the very ones the eager kernels call, so results agree. */
export const HOST_MATH_FUNCTIONS: Record<HostMathName, (...xs: number[]) => number> = {
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  tanh: Math.tanh,
  sin: Math.sin,
  cos: Math.cos,
  pow: Math.pow,
  erf: specialMath.erf,
};

export interface OpContext {
  readonly w: CodeWriter;
  readonly lanes: Lanes;
  /** Relaxed-SIMD FMA allowed (the probe passed). The emitters here do not need it yet. */
  readonly relaxed: boolean;
  /** `Math.<name>` as an imported (f64[, f64]) → f64 function. */
  readonly hostMath: (name: HostMathName) => FuncRef;
}

/** Pops the top of the stack into a fresh local (operands arrive on the stack, in order). */
export function pop(w: CodeWriter, type: ValType): Local {
  const l = w.local(type);
  w.set(l);
  return l;
}

/** Pops `count` operands (the last pushed is popped first) and returns them in push order. */
export function popOperands(w: CodeWriter, types: readonly ValType[]): Local[] {
  const out: Local[] = [];
  for (let i = types.length - 1; i >= 0; i--) out[i] = pop(w, types[i]);
  return out;
}
