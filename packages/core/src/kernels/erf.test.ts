import { describe, expect, it } from 'vitest';
import { erf } from './erf.js';

// An independent reference: the Maclaurin series of erf summed exactly in 600-bit binary fixed
// point (its cancellation costs at most ~62 of those bits for |x| ≤ 7), with π from Machin's
// formula and √π by integer Newton iteration, rounded once to the nearest double.
const K = 600n;
const ONE = 1n << K;

function atanInverse(m: bigint): bigint {
  // atan(1/m) = Σ (−1)^k / ((2k+1)·m^(2k+1))
  let power = ONE / m;
  let sum = 0n;
  const m2 = m * m;
  for (let k = 0n; power !== 0n; k++) {
    const term = power / (2n * k + 1n);
    sum += k % 2n === 0n ? term : -term;
    power /= m2;
  }
  return sum;
}

function integerSqrt(n: bigint): bigint {
  let x = 1n << (BigInt(n.toString(2).length) / 2n + 1n);
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
}

const PI = 16n * atanInverse(5n) - 4n * atanInverse(239n);
const TWO_OVER_SQRT_PI = (2n << (2n * K)) / integerSqrt(PI << K);
const SCALE = 2 ** 600;

function referenceErf(x: number): number {
  const xf = BigInt(x * SCALE); // exact: every test point is a multiple of 2^−600
  const x2 = (xf * xf) >> K;
  let term = xf;
  let sum = 0n;
  for (let n = 0n; term !== 0n; n++) {
    const part = term / (2n * n + 1n);
    sum += n % 2n === 0n ? part : -part;
    term = (term * x2) >> K;
    term /= n + 1n;
  }
  return Number((sum * TWO_OVER_SQRT_PI) >> K) / SCALE;
}

const bits = new Float64Array(1);
const raw = new BigInt64Array(bits.buffer);
/** The gap between |v| and the next double above it. */
function ulp(v: number): number {
  bits[0] = Math.abs(v);
  raw[0] += 1n;
  return bits[0] - Math.abs(v);
}

describe('erf (float64 kernel)', () => {
  it('the reference itself reproduces published values to 1e-19', () => {
    // erf(1/2), erf(1), erf(2) from Abramowitz & Stegun table 7.1 (and any CAS).
    expect(Math.abs(referenceErf(0.5) - 0.5204998778130465)).toBeLessThan(1e-19);
    expect(Math.abs(referenceErf(1) - 0.8427007929497149)).toBeLessThan(1e-19);
    expect(Math.abs(referenceErf(2) - 0.9953222650189527)).toBeLessThan(1e-19);
  });

  it('is within 1 ulp of the correctly rounded 600-bit series at 4,000 points over (−6.5, 6.5)', () => {
    let worst = 0;
    let at = 0;
    let state = 12345;
    const points: number[] = [];
    for (let i = 1; i <= 2600; i++) points.push(i / 400); // a grid through every range boundary
    for (let i = 0; i < 1400; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      // Log-uniform magnitudes from 2^−30 to 6.5, both signs.
      const magnitude = 6.5 * 2 ** (-30 * (state / 2 ** 32));
      points.push(i % 2 === 0 ? magnitude : -magnitude);
    }
    for (const x of points) {
      const want = referenceErf(x);
      const error = Math.abs(erf(x) - want) / ulp(want);
      if (error > worst) {
        worst = error;
        at = x;
      }
    }
    expect(worst, `worst at x = ${at}`).toBeLessThanOrEqual(1);
  });

  it('is odd, saturates to ±1, keeps ±0 and NaN', () => {
    for (const x of [1e-300, 0.3, 0.46875, 0.47, 1.7, 4, 4.01, 5.9, 30]) {
      expect(erf(-x)).toBe(-erf(x));
    }
    expect(erf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(erf(Number.NEGATIVE_INFINITY)).toBe(-1);
    expect(erf(7)).toBe(1);
    expect(Object.is(erf(0), 0)).toBe(true);
    expect(Object.is(erf(-0), -0)).toBe(true);
    expect(erf(Number.NaN)).toBeNaN();
    // Tiny arguments: erf(x) = x·2/√π exactly rounded (the x³ term is far below an ulp).
    expect(erf(2 ** -300)).toBe(1.1283791670955126 * 2 ** -300);
  });
});
