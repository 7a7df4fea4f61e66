// SPDX-License-Identifier: MIT
// The error function in float64. Near 0 (|x| ≤ 1) its Maclaurin series, arranged so only a small
// correction rounds; beyond, erf = 1 − erfc with erfc from W. J. Cody's rational approximations
// ("Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969); the
// coefficients and ranges of his public-domain SPECFUN routine CALERF, 1985), where exp(−x²) is
// evaluated as exp(−s²)·exp(−(x−s)(x+s)) with s = x rounded down to a multiple of 1/16, so s² is
// exact and the rounding of x² never shows.

/**
 * |x| ≤ 1: erf(x) = x + x·((c − 1) + c·T(x²)) with c = 2/√π and T(z) = Σₙ≥₁ (−z)ⁿ/(n!(2n+1)), the
 * Maclaurin series after its leading 1. Only the small correction carries rounding error, so the
 * result is within an ulp (x·c·S(x²) alone would round three times).
 */
const TAYLOR_TERMS = 22;
const TAYLOR = Array.from({ length: TAYLOR_TERMS }, (_, i) => {
  const n = i + 1;
  let factorial = 1;
  for (let k = 2; k <= n; k++) factorial *= k;
  return (n % 2 === 0 ? 1 : -1) / (factorial * (2 * n + 1));
});
const TWO_OVER_SQRT_PI = 1.1283791670955126;
/** 2/√π − 1 rounded on its own (not the difference of two rounded values). */
const TWO_OVER_SQRT_PI_MINUS_ONE = 0.1283791670955126;

/** 1 < |x| ≤ 4: erfc(x) = exp(−x²)·P(x)/Q(x). */
const C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769,
  1712.0476126340707, 2051.0783778260716, 1230.3393547979972,
];
const C8 = 2.1531153547440383e-8;
const D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597,
  4362.619090143247, 3439.3676741437216, 1230.3393548037495,
];

/** |x| > 4: erfc(x) = exp(−x²)/x·(1/√π + P(1/x²)/Q(1/x²)/x²). */
const P = [
  0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275,
  0.0006587491615298378,
];
const P5 = 0.016315387137302097;
const Q = [
  2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132,
  0.0023352049762686918,
];

const ONE_OVER_SQRT_PI = 0.5641895835477563;
const SERIES_RANGE = 1;
/** erfc(x) < 2^−56 beyond here, so erf(x) rounds to ±1. */
const SATURATED = 6.25;

/** exp(−x²) for x ≥ 0 without the rounding error of x² (s² is exact; (x−s)(x+s) is small). */
function expMinusSquare(x: number): number {
  const s = Math.trunc(x * 16) / 16;
  return Math.exp(-s * s) * Math.exp(-(x - s) * (x + s));
}

/** erfc(y) for y > 1 (y = |x|, finite or +∞). */
function erfcOfPositive(y: number): number {
  if (y <= 4) {
    let num = C8 * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]) * y;
      den = (den + D[i]) * y;
    }
    return (expMinusSquare(y) * (num + C[7])) / (den + D[7]);
  }
  if (y >= SATURATED) return 0;
  const z = 1 / (y * y);
  let num = P5 * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]) * z;
    den = (den + Q[i]) * z;
  }
  const r = (z * (num + P[4])) / (den + Q[4]);
  return (expMinusSquare(y) * (ONE_OVER_SQRT_PI - r)) / y;
}

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt in float64, within a few ulp everywhere
 * (odd: erf(−x) = −erf(x), so erf(±0) = ±0; erf(±∞) = ±1; NaN stays NaN).
 */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= SERIES_RANGE) {
    const z = x * x;
    let t = TAYLOR[TAYLOR_TERMS - 1];
    for (let i = TAYLOR_TERMS - 2; i >= 0; i--) t = t * z + TAYLOR[i];
    return x + x * (TWO_OVER_SQRT_PI_MINUS_ONE + TWO_OVER_SQRT_PI * (t * z));
  }
  if (Number.isNaN(y)) return x;
  const r = 0.5 - erfcOfPositive(y) + 0.5;
  return x < 0 ? -r : r;
}
