// SPDX-License-Identifier: MIT
// Moving between lane layouts: float32 vectors evaluated as two float64 halves, host calls per
// lane, and constants the builder has no direct helper for.
import type { CodeWriter, FuncRef, Local } from '../builder.js';

/** `v128.const` with two i64 lanes equal to `bits`. */
export function i64x2Const(w: CodeWriter, bits: bigint): CodeWriter {
  const lo = Number(BigInt.asIntN(32, bits));
  const hi = Number(BigInt.asIntN(32, bits >> 32n));
  return w.i32x4(lo, hi, lo, hi);
}

const LOW_HALF = [0, 1, 2, 3, 4, 5, 6, 7];
/** Lanes 2 and 3 of an f32x4 moved to lanes 0 and 1. */
const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** The low 8 bytes of the first operand, then the low 8 bytes of the second. */
const JOIN_LOWS = [...LOW_HALF, 16, 17, 18, 19, 20, 21, 22, 23];

/**
 * Evaluates an f32x4 function through float64: the four lanes are promoted into two f64x2
 * halves, `body` pushes the f64x2 result for one half (it is emitted once per half), and the
 * halves are demoted (one rounding) and joined. Float64 leaves the polynomials enough headroom
 * that the rounding to float32 is the only error that shows.
 */
export function viaFloat64Halves(
  w: CodeWriter,
  xs: readonly Local[],
  body: (halves: Local[]) => void,
): CodeWriter {
  for (const high of [false, true]) {
    const halves = xs.map((x) => {
      const h = w.local('v128');
      w.get(x);
      if (high) w.get(x).shuffle(HIGH_TO_LOW);
      w.op('f64x2.promote_low_f32x4').set(h);
      return h;
    });
    body(halves);
    w.op('f32x4.demote_f64x2_zero');
  }
  return w.shuffle(JOIN_LOWS);
}

/** Same as `viaFloat64Halves` for a scalar f32: promote, `body` on one f64, demote. */
export function scalarViaFloat64(
  w: CodeWriter,
  xs: readonly Local[],
  body: (promoted: Local[]) => void,
): CodeWriter {
  const promoted = xs.map((x) => {
    const p = w.local('f64');
    w.get(x).op('f64.promote_f32').set(p);
    return p;
  });
  body(promoted);
  return w.op('f32.demote_f64');
}

/**
 * Calls a float64 host function on every lane: `fn(x[i], y[i], ...)` per lane of f32x4 or f64x2
 * operands (a number operand is a float64 constant for every lane). Float32 lanes are promoted
 * and the result demoted, one rounding as when the eager kernels store a double into a
 * Float32Array; `after` may finish the float64 result first. Pushes the vector of results.
 */
export function hostPerLane(
  w: CodeWriter,
  fn: FuncRef,
  xs: readonly (Local | number)[],
  laneType: 'f32' | 'f64',
  after?: () => void,
): CodeWriter {
  const count = laneType === 'f32' ? 4 : 2;
  const extract = laneType === 'f32' ? 'f32x4.extract_lane' : 'f64x2.extract_lane';
  const replace = laneType === 'f32' ? 'f32x4.replace_lane' : 'f64x2.replace_lane';
  const first = xs.find((x): x is Local => typeof x !== 'number');
  if (!first) throw new Error('hostPerLane: at least one operand must be a vector');
  w.get(first);
  for (let lane = 0; lane < count; lane++) {
    for (const x of xs) {
      if (typeof x === 'number') {
        w.f64(x);
        continue;
      }
      w.get(x).lane(extract, lane);
      if (laneType === 'f32') w.op('f64.promote_f32');
    }
    w.call(fn);
    after?.();
    if (laneType === 'f32') w.op('f32.demote_f64');
    w.lane(replace, lane);
  }
  return w;
}

/** `1 / v` for the f64 on the stack. */
export function reciprocalF64(w: CodeWriter): void {
  const v = w.local('f64');
  w.set(v).f64(1).get(v).op('f64.div');
}
