// SPDX-License-Identifier: MIT
import type { TypedArray } from '../tensor/dtype.js';

/**
 * Batched matrix product out[b] = a[b] · c[b] for a: [B, M, K], c: [B, K, N] (row-major).
 * The i-k-j loop order streams rows of `c` and `out`, which is what makes a plain JS matmul
 * cache friendly; `out` must be zero-filled on entry.
 */
export function matmul(
  a: TypedArray,
  c: TypedArray,
  out: TypedArray,
  batch: number,
  m: number,
  k: number,
  n: number,
): void {
  for (let b = 0; b < batch; b++) {
    const aBase = b * m * k;
    const cBase = b * k * n;
    const oBase = b * m * n;
    for (let i = 0; i < m; i++) {
      const oRow = oBase + i * n;
      for (let p = 0; p < k; p++) {
        const av = a[aBase + i * k + p];
        const cRow = cBase + p * n;
        for (let j = 0; j < n; j++) out[oRow + j] += av * c[cRow + j];
      }
    }
  }
}
