// SPDX-License-Identifier: MIT
import { slice, type Tensor } from '@loom/core';

/**
 * Splits the last axis of `z` into `n` equal blocks (the fused gate pre-activations of an LSTM
 * or GRU). Static slices, so this traces to n slice equations and transposes to pads.
 */
export function splitLast(z: Tensor, n: number): Tensor[] {
  const last = z.ndim - 1;
  const size = z.shape[last] / n;
  return Array.from({ length: n }, (_, k) => {
    const starts = z.shape.map((_, i) => (i === last ? k * size : 0));
    const limits = z.shape.map((d, i) => (i === last ? (k + 1) * size : d));
    return slice(z, starts, limits);
  });
}
