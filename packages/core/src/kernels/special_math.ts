// SPDX-License-Identifier: MIT
// Functions that elementwise expressions may call besides `Math.*`. An expression names them
// `SpecialMath.<name>(...)` (e.g. erf's `SpecialMath.erf(x)`); every code generator that turns
// expressions into code (the eager kernels here, the jit's JavaScript lowering) binds the
// identifier `SpecialMath` to this object, and an interpreter of expressions must resolve it the
// same way. The wasm lowering imports the same functions as host functions, so all agree bitwise.
import { erf } from './erf.js';

/** The identifier expressions use for `specialMath`. */
export const SPECIAL_MATH_NAME = 'SpecialMath';

/** Scalar float64 functions callable from elementwise expressions as `SpecialMath.<name>`. */
export const specialMath = { erf } as const;
