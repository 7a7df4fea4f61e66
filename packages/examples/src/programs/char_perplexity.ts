// SPDX-License-Identifier: MIT
// Held-out perplexity of a character model: the tail of the text cut into windows, scored in
// batches with the model's own (jitted) loss, averaged per character.
import { type Tensor, tensor } from '@loom/core';
import { maybeJit } from './train_step.js';

/** A held-out text cut into batches of windows [rows, width] (int32). */
export interface HeldOutWindows {
  readonly batches: readonly Tensor[];
  /** Window width: T + 1 characters, fewer for a tail shorter than one window. */
  readonly width: number;
  /** Characters scored: every window predicts width − 1 of them. */
  readonly characters: number;
}

/**
 * Cuts held-out ids into consecutive windows of `seqLen + 1` characters that overlap by one (a
 * window's last character is the next one's first), so each character after the first is
 * predicted exactly once, from the context inside its window, with the recurrent state starting
 * from zero as in training. Only the first `maxCharacters` predictions are kept (the cost stays
 * bounded for big files), and a remainder shorter than a window is dropped.
 */
export function heldOutWindows(
  ids: Int32Array,
  seqLen: number,
  batchSize: number,
  maxCharacters: number,
): HeldOutWindows {
  const scored = ids.subarray(0, Math.min(ids.length, maxCharacters + 1));
  const width = Math.min(seqLen, scored.length - 1) + 1;
  const count = Math.floor((scored.length - 1) / (width - 1));
  const batches: Tensor[] = [];
  for (let first = 0; first < count; first += batchSize) {
    const rows = Math.min(batchSize, count - first);
    const data = new Int32Array(rows * width);
    for (let r = 0; r < rows; r++) {
      const start = (first + r) * (width - 1);
      data.set(scored.subarray(start, start + width), r * width);
    }
    batches.push(tensor(data, { shape: [rows, width] }));
  }
  return { batches, width, characters: count * (width - 1) };
}

/**
 * Mean cross-entropy in nats per held-out character under `params`: the batch means of `loss`
 * (a mean over its rows and steps), weighted by rows, so every scored character counts once.
 * Perplexity is its exponential. `loss` runs under jit unless `useJit` is false: one compiled
 * program per batch shape, two at most (full batches and the last).
 */
export function heldOutLoss<P>(
  loss: (params: P, windows: Tensor) => Tensor,
  held: HeldOutWindows,
  useJit: boolean,
): (params: P) => number {
  const evaluate = maybeJit(loss, useJit);
  return (params) => {
    let total = 0;
    let rows = 0;
    for (const batch of held.batches) {
      total += evaluate(params, batch).item() * batch.shape[0];
      rows += batch.shape[0];
    }
    return total / rows;
  };
}
