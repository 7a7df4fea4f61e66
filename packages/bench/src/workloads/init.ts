// SPDX-License-Identifier: MIT
// Initial weights drawn once from a seeded generator, so every system starts from the same
// Float32Arrays whatever its own random number generator would have done.
import type { Rng } from '@loom/datasets';

/** n values uniform in [lo, hi), rounded to float32. */
export function uniformArray(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.nextFloat();
  return a;
}

/** Glorot (Xavier) uniform for a [fanIn, fanOut] matrix, the default of Loom's layers. */
export function glorotArray(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return uniformArray(rng, fanIn * fanOut, -limit, limit);
}

/** Deep copies of every array, so a system may update its weights in place. */
export function cloneWeights<W extends Record<string, Float32Array>>(w: W): W {
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v.slice()])) as W;
}
