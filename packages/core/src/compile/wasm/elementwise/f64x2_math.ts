// SPDX-License-Identifier: MIT
// Branch-free float64x2 kernels behind the float32 transcendentals. They are accurate to about
// 1e-10 relative (far below float32's 6e-8 ulp), so after the one rounding to float32 a result is
// within 1 ulp of the correctly rounded value. Each takes its argument in a local and pushes the
// result. Constants are exact float64 literals; tricks used:
//  - magic-bias rounding: adding 1.5·2^52 rounds to an integer held in the low mantissa bits;
//  - Cody–Waite reduction: the reduction constant split so that n·hi is exact;
//  - 2^n built by shifting the rounded integer (biased) into the exponent field;
//  - clamps use pmin/pmax with the argument first (`b < a ? b : a`), which keep a NaN argument
//    (as NaN) and compile to one x86 instruction; min/max's exact NaN and ±0 rules take seven.
import type { CodeWriter, Local } from '../builder.js';
import { i64x2Const } from './lanes.js';

/** 1.5·2^52: adding it rounds a float64 of magnitude < 2^51 to an integer in the low bits. */
const MAGIC = 6755399441055744;
const MAGIC_BITS = 0x4338000000000000n;
const LOG2E = Math.LOG2E;
/** ln 2 split: LN2_HI has 32 significant bits, so n·LN2_HI is exact for |n| < 2^21. */
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
/** π/2 in three 33-bit parts (fdlibm): n·part is exact for |n| < 2^20. */
const PIO2_1 = 1.5707963267341256;
const PIO2_2 = 6.077100506303966e-11;
const PIO2_3 = 2.0222662487111665e-21;
const SQRT_HALF_BITS = 0x3fe6a09e667f3bcdn;
const MANTISSA_BITS = 0x000fffffffffffffn;
const SIGN_BIT = -0x8000000000000000n;

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/** Pushes c[0] + z·(c[1] + z·(c[2] + ...)) by Horner's rule. */
export function horner(w: CodeWriter, z: Local, coeffs: readonly number[]): CodeWriter {
  w.f64x2(coeffs[coeffs.length - 1]);
  for (let i = coeffs.length - 2; i >= 0; i--) {
    w.get(z).op('f64x2.mul').f64x2(coeffs[i]).op('f64x2.add');
  }
  return w;
}

/** Taylor coefficients of e^r: 1, 1, 1/2, ..., 1/7! (|r| ≤ ln2/2: truncation 5e-9 relative). */
const EXP_COEFFS = Array.from({ length: 8 }, (_, k) => 1 / factorial(k));

/**
 * Pushes e^x for x in [-1022·ln2, 1023·ln2] (callers clamp; NaN passes through): n = round(x/ln2),
 * r = x − n·ln2 in two parts, e^x = p(r)·2^n.
 */
export function expF64x2(w: CodeWriter, x: Local): CodeWriter {
  const t = w.local('v128');
  const n = w.local('v128');
  const r = w.local('v128');
  // t = x·log2e + (MAGIC + 1023): its low 12 bits hold n + 1023, the biased exponent of 2^n.
  w.get(x)
    .f64x2(LOG2E)
    .op('f64x2.mul')
    .f64x2(MAGIC + 1023)
    .op('f64x2.add')
    .tee(t);
  w.f64x2(MAGIC + 1023)
    .op('f64x2.sub')
    .set(n);
  w.get(x).get(n).f64x2(LN2_HI).op('f64x2.mul').op('f64x2.sub');
  w.get(n).f64x2(LN2_LO).op('f64x2.mul').op('f64x2.sub').set(r);
  horner(w, r, EXP_COEFFS);
  w.get(t).i32(52).op('i64x2.shl');
  return w.op('f64x2.mul');
}

/** 2/3, 2/5, ..., 2/11: log(1+f) = 2s + s·z·(2/3 + z·(2/5 + ...)), s = f/(2+f), z = s². */
const LOG_COEFFS = [2 / 3, 2 / 5, 2 / 7, 2 / 9, 2 / 11];

/**
 * Pushes log(v) for a positive normal float64 v (other inputs give garbage the caller replaces):
 * v = 2^k·m with m in [√½, √2), then log m by the atanh series (|s| ≤ 0.172, truncation 5e-11).
 */
export function logF64x2(w: CodeWriter, v: Local): CodeWriter {
  const b = w.local('v128');
  const f = w.local('v128');
  const s = w.local('v128');
  const z = w.local('v128');
  const k = w.local('v128');
  // b = bits(v) − bits(√½): the exponent field becomes k, the mantissa m's offset from √½.
  w.get(v);
  i64x2Const(w, SQRT_HALF_BITS).op('i64x2.sub').set(b);
  // k as float64: add the integer to MAGIC's low bits, subtract MAGIC.
  w.get(b).i32(52).op('i64x2.shr_s');
  i64x2Const(w, MAGIC_BITS).op('i64x2.add');
  w.f64x2(MAGIC).op('f64x2.sub').set(k);
  // f = m − 1 (exact: m is within a factor 2 of 1).
  w.get(b);
  i64x2Const(w, MANTISSA_BITS).op('v128.and');
  i64x2Const(w, SQRT_HALF_BITS).op('i64x2.add');
  w.f64x2(1).op('f64x2.sub').tee(f);
  w.get(f).f64x2(2).op('f64x2.add').op('f64x2.div').tee(s);
  w.get(s).op('f64x2.mul').set(z);
  // k·ln2 + (2s + s·z·P(z))
  w.get(k).f64x2(Math.LN2).op('f64x2.mul');
  w.get(s).f64x2(2).op('f64x2.mul');
  w.get(s).get(z).op('f64x2.mul');
  horner(w, z, LOG_COEFFS).op('f64x2.mul').op('f64x2.add');
  return w.op('f64x2.add');
}

/** Odd Taylor coefficients of tanh up to z^11 (used for |z| < 0.2: truncation 2e-11). */
const TANH_SMALL = [1, -1 / 3, 2 / 15, -17 / 315, 62 / 2835, -1382 / 155925];
const TANH_SMALL_LIMIT = 0.2;
/** tanh(20) is 1 to float64 precision well before float32's; clamping keeps e^(2z) finite. */
const TANH_CLAMP = 20;

/** Pushes tanh(x): 1 − 2/(e^(2|x|) + 1) with x's sign, or the Taylor series near zero. */
export function tanhF64x2(w: CodeWriter, x: Local): CodeWriter {
  const z = w.local('v128');
  const twoZ = w.local('v128');
  const zz = w.local('v128');
  w.get(x).op('f64x2.abs').f64x2(TANH_CLAMP).op('f64x2.pmin').tee(z);
  w.get(z).op('f64x2.add').set(twoZ);
  // Large branch: 1 − 2/(e^(2z) + 1).
  w.f64x2(1).f64x2(2);
  expF64x2(w, twoZ).f64x2(1).op('f64x2.add').op('f64x2.div').op('f64x2.sub');
  // Small branch: z·T(z²).
  w.get(z).get(z).get(z).op('f64x2.mul').set(zz);
  horner(w, zz, TANH_SMALL).op('f64x2.mul');
  // Swap the order for bitselect(small, large, z < limit).
  const small = w.local('v128');
  const large = w.local('v128');
  w.set(small).set(large);
  w.get(small).get(large).get(z).f64x2(TANH_SMALL_LIMIT).op('f64x2.lt').op('v128.bitselect');
  // Both branches are ≥ 0: put x's sign back (tanh(−0) = −0).
  w.get(x);
  i64x2Const(w, SIGN_BIT).op('v128.and');
  return w.op('v128.or');
}

/**
 * Pushes 1/(1 + e^(−x)), as the eager kernel defines logistic. −x is clamped to [−30, 110]:
 * beyond, the float32 result is 1 or 0 anyway.
 */
export function logisticF64x2(w: CodeWriter, x: Local): CodeWriter {
  const m = w.local('v128');
  w.get(x).op('f64x2.neg').f64x2(110).op('f64x2.pmin').f64x2(-30).op('f64x2.pmax').set(m);
  w.f64x2(1).f64x2(1);
  expF64x2(w, m).op('f64x2.add');
  return w.op('f64x2.div');
}

const SIN_COEFFS = [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800];
const COS_COEFFS = [1, -1 / 2, 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800];
/** Largest |x| the three-part reduction keeps exact (n < 2^20); larger lanes go to the host. */
export const SIN_COS_REDUCTION_LIMIT = 1.5e6;

/**
 * Pushes sin(x) or cos(x) for |x| ≤ SIN_COS_REDUCTION_LIMIT: n = round(x·2/π), r = x − n·π/2 in
 * three exact parts, then ±sin r or ±cos r by the quadrant n mod 4 (cos x = sin(x + π/2): n + 1).
 */
export function sinCosF64x2(w: CodeWriter, x: Local, which: 'sin' | 'cos'): CodeWriter {
  const t = w.local('v128');
  const n = w.local('v128');
  const r = w.local('v128');
  const z = w.local('v128');
  const q = w.local('v128');
  w.get(x)
    .f64x2(2 / Math.PI)
    .op('f64x2.mul')
    .f64x2(MAGIC)
    .op('f64x2.add')
    .tee(t);
  w.f64x2(MAGIC).op('f64x2.sub').set(n);
  w.get(x).get(n).f64x2(PIO2_1).op('f64x2.mul').op('f64x2.sub');
  w.get(n).f64x2(PIO2_2).op('f64x2.mul').op('f64x2.sub');
  w.get(n).f64x2(PIO2_3).op('f64x2.mul').op('f64x2.sub').tee(r);
  w.get(r).op('f64x2.mul').set(z);
  // The quadrant: the low bits of t hold n (two's complement).
  w.get(t);
  if (which === 'cos') i64x2Const(w, 1n).op('i64x2.add');
  w.set(q);
  // cos r and sin r = r + r·z·S(z); odd quadrants take cos.
  horner(w, z, COS_COEFFS);
  w.get(r).get(r).get(z).op('f64x2.mul');
  horner(w, z, SIN_COEFFS).op('f64x2.mul').op('f64x2.add');
  w.get(q).i32(63).op('i64x2.shl').i32(63).op('i64x2.shr_s').op('v128.bitselect');
  // Quadrants 2 and 3 flip the sign: bit 1 of q moved to the sign bit.
  w.get(q).i32(62).op('i64x2.shl');
  i64x2Const(w, SIGN_BIT).op('v128.and');
  return w.op('v128.xor');
}
