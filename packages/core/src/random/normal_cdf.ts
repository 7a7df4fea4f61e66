// SPDX-License-Identifier: MIT
// The standard normal distribution's CDF and its inverse on an interval, in float64, for the
// truncated normal sampler. Plain scalar JavaScript: the sampler is a primitive whose kernel
// runs on concrete keys (like the other random primitives).

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** φ(x), the standard normal density. */
export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/**
 * Φ(x) for x ≤ 0 with full relative precision in the tail: the series
 * Φ(x) = ½ + φ(x)·(x + x³/3 + x⁵/(3·5) + …) near 0, and the continued fraction of the Mills
 * ratio Φ(x) = φ(x) / (|x| + 1/(|x| + 2/(|x| + 3/(|x| + …)))) in the tail (evaluated by Lentz's
 * method), where the series would cancel.
 */
function lowerTail(x: number): number {
  if (x === Number.NEGATIVE_INFINITY) return 0;
  if (x > -3) {
    let term = x;
    let sum = x;
    for (let k = 1; k < 500 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
      term *= (x * x) / (2 * k + 1);
      sum += term;
    }
    return 0.5 + normalPdf(x) * sum;
  }
  const z = -x;
  // Lentz's algorithm for z + 1/(z + 2/(z + 3/(z + …))).
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    d = z + k * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = z + k / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return normalPdf(z) / f;
}

/** Φ(x), the standard normal CDF (1 − Φ(−x) above 0). */
export function normalCdf(x: number): number {
  return x <= 0 ? lowerTail(x) : 1 - lowerTail(-x);
}

/**
 * The x in [lo, hi] with Φ(x) = p, for lo ≤ 0 side intervals (the caller mirrors an interval
 * above 0 so that p stays small and precise): Newton's method safeguarded by bisection.
 */
export function normalQuantileIn(p: number, lo: number, hi: number): number {
  let a = Math.max(lo, -40);
  let b = Math.min(hi, 40);
  let x = Math.min(Math.max(0.5 * (a + b), a), b);
  for (let i = 0; i < 200; i++) {
    const fx = normalCdf(x) - p;
    if (fx === 0) return x;
    if (fx > 0) b = x;
    else a = x;
    const pdf = normalPdf(x);
    let next = pdf > 0 ? x - fx / pdf : Number.NaN;
    if (!(next > a && next < b)) next = 0.5 * (a + b);
    if (Math.abs(next - x) <= 1e-15 * Math.max(1, Math.abs(x))) return next;
    x = next;
  }
  return x;
}
