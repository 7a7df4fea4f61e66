// SPDX-License-Identifier: MIT
// Test inputs and comparisons for the elementwise emitters: edge values per dtype, random values
// over the whole range, ulp distances. (Plain code, no test runner: shared by the test files.)
import type { DType } from '../../../tensor/dtype.js';

const F32_MAX = 3.4028234663852886e38;
const F32_MIN_NORMAL = 1.1754943508222875e-38;
const F32_MIN_SUBNORMAL = 1.401298464324817e-45;

const FLOAT_EDGES = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  2,
  3,
  -3,
  Number.NaN,
  Infinity,
  -Infinity,
  1e-3,
  0.1,
  Math.PI / 2,
  Math.PI,
  10,
  88.72,
  89,
  -87.5,
  -103.9,
  -104,
  1e-7,
  1e5,
  1.5e6,
  2e6,
  1e10,
  1e30,
  -1e30,
];
const F32_EDGES = [
  ...FLOAT_EDGES,
  F32_MAX,
  -F32_MAX,
  F32_MIN_NORMAL,
  F32_MIN_SUBNORMAL,
  -F32_MIN_SUBNORMAL,
  1e-40,
  -1e-40,
].map(Math.fround);
const F64_EDGES = [
  ...FLOAT_EDGES,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  5e-324,
  -5e-324,
  1e-310,
  710,
  -750,
];
const I32_EDGES = [
  0,
  1,
  -1,
  2,
  3,
  -3,
  7,
  -7,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 16,
  46341,
  -46341,
  65535,
];

/** A deterministic generator (xorshift32), so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Edge values of `dtype`, then `count` random ones (wide magnitudes and small ones). */
export function valuesOf(dtype: DType, count: number, seed = 1): number[] {
  const r = rng(seed);
  if (dtype === 'bool') return [0, 1, ...Array.from({ length: count }, () => (r() < 0.5 ? 0 : 1))];
  if (dtype === 'int32') {
    const rand = Array.from({ length: count }, (_, i) =>
      i % 2 ? Math.floor((r() - 0.5) * 2 ** 32) : Math.floor((r() - 0.5) * 40),
    );
    return [...I32_EDGES, ...rand];
  }
  const maxExp = dtype === 'float32' ? 128 : 1024;
  const minExp = dtype === 'float32' ? -150 : -1075;
  const rand = Array.from({ length: count }, (_, i) => {
    const sign = r() < 0.5 ? -1 : 1;
    const v = i % 2 ? sign * 2 ** (minExp + r() * (maxExp - minExp)) * (1 + r()) : (r() - 0.5) * 20;
    return dtype === 'float32' ? Math.fround(v) : v;
  });
  return [...(dtype === 'float32' ? F32_EDGES : F64_EDGES), ...rand];
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** float32 bits mapped to integers in value order (±0 both 0), so differences count ulps. */
export function orderedF32(x: number): number {
  f32[0] = x;
  const b = i32[0];
  return b >= 0 ? b : -(b & 0x7fffffff);
}

/** ulps between float32 values; Infinity when exactly one is NaN or the signs of zero differ. */
export function ulpDistance(got: number, want: number): number {
  if (Number.isNaN(want) || Number.isNaN(got))
    return Number.isNaN(want) && Number.isNaN(got) ? 0 : Infinity;
  if (want === 0 && got === 0) return Object.is(want, got) ? 0 : Infinity;
  return Math.abs(orderedF32(got) - orderedF32(want));
}

/** Equal bit for bit, except that any NaN matches any NaN. */
export function sameValue(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}
