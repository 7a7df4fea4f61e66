// SPDX-License-Identifier: MIT
// Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"),
// the counter-based generator JAX uses: pure integer arithmetic, so every machine and run
// produces the same bits for the same key.

const ROTATIONS = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
];

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** Encrypts the counter pair (x0, x1) under key (k0, k1); returns the two output words. */
export function threefry2x32(k0: number, k1: number, x0: number, x1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  let a = (x0 + ks[0]) >>> 0;
  let b = (x1 + ks[1]) >>> 0;
  for (let block = 0; block < 5; block++) {
    for (const r of ROTATIONS[block % 2]) {
      a = (a + b) >>> 0;
      b = rotl(b, r) ^ a;
    }
    a = (a + ks[(block + 1) % 3]) >>> 0;
    b = (b + ks[(block + 2) % 3] + block + 1) >>> 0;
  }
  return [a, b];
}

/** `n` pseudo-random 32-bit words for a key, from counters 0..n−1 split into two halves. */
export function randomBits(k0: number, k1: number, n: number): Uint32Array {
  const half = Math.ceil(n / 2);
  const out = new Uint32Array(2 * half);
  for (let i = 0; i < half; i++) {
    const [a, b] = threefry2x32(k0, k1, i, i + half);
    out[i] = a;
    out[i + half] = b;
  }
  return out.subarray(0, n);
}
