// SPDX-License-Identifier: MIT
/**
 * A small seeded PRNG of our own. `Math.random` cannot be seeded, and the same seed must give the
 * same dataset on every run, so the integer stream is pure 32-bit arithmetic (`Math.imul`, shifts)
 * whose results the language specifies exactly. (Normals go through `Math.log`/`Math.cos`, which
 * engines may round differently in the last bit; on one engine they are reproducible.)
 */

const TWO_32 = 2 ** 32;

/** One step of the splitmix32 output function: a strong 32-bit integer hash. */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Hashes a safe-integer seed and any number of extra integers (epoch, split, stream id) into one
 * 32-bit state. Both halves of a large seed count, so `Date.now()`-sized seeds stay distinct, and
 * derived streams (seed, 1) and (seed, 2) are unrelated rather than shifted copies of each other.
 */
export function deriveSeed(seed: number, ...extra: readonly number[]): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_32) >>> 0;
  let h = mix32((lo + 0x9e3779b9) >>> 0);
  h = mix32((h ^ hi) + 0x7f4a7c15);
  for (const x of extra) h = mix32((h ^ (x >>> 0)) + 0x9e3779b9);
  return h;
}

/** A stateful random stream. Each generator owns one; nothing is shared between calls. */
export interface Rng {
  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** A uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number;
  /** A uniform integer in [0, n) for 1 ≤ n ≤ 2^32, without modulo bias. */
  nextInt(n: number): number;
  /** A standard normal sample (Box–Muller). */
  nextNormal(): number;
}

/**
 * A splitmix32 generator seeded with `seed` (any safe integer), the 32-bit variant of Java's
 * SplittableRandom: a Weyl counter passed through `mix32`, which passes the usual statistical
 * batteries at the sizes datasets need and is three lines long.
 */
export function splitmix32(seed: number): Rng {
  let state = deriveSeed(seed);
  let spare: number | undefined;
  const nextUint32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix32(state);
  };
  const nextFloat = (): number => nextUint32() / TWO_32;
  return {
    nextUint32,
    nextFloat,
    nextInt(n: number): number {
      // Rejecting the top partial block keeps every residue equally likely.
      const limit = TWO_32 - (TWO_32 % n);
      let x = nextUint32();
      while (x >= limit) x = nextUint32();
      return x % n;
    },
    nextNormal(): number {
      if (spare !== undefined) {
        const z = spare;
        spare = undefined;
        return z;
      }
      // 1 - u lies in (0, 1], so the logarithm is finite.
      const r = Math.sqrt(-2 * Math.log(1 - nextFloat()));
      const theta = 2 * Math.PI * nextFloat();
      spare = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
  };
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates) drawn from `rng`. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
