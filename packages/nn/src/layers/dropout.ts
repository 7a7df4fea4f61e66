// SPDX-License-Identifier: MIT
import { InvalidArgumentError, random, type Tensor, where, zerosLike } from '@loom/core';

/** Options of `dropout`. */
export interface DropoutOptions {
  /** Dropout only applies in training; at evaluation `x` is returned unchanged. */
  training: boolean;
}

/**
 * Inverted dropout: each element is zeroed with probability `rate` and the survivors are scaled
 * by 1 / (1 − rate), so the expected value is unchanged and evaluation needs no rescaling.
 * The key decides the mask; pass a fresh key (from `random.split`) at every step.
 * @example
 * // About half the entries zeroed, the others doubled:
 * const h = dropout(random.key(7), tensor([1, 2, 3, 4]), 0.5, { training: true });
 */
export function dropout(key: Tensor, x: Tensor, rate: number, options: DropoutOptions): Tensor {
  if (!(rate >= 0 && rate <= 1)) {
    throw new InvalidArgumentError(`dropout: rate must be in [0, 1], got ${rate}.`);
  }
  if (!options.training || rate === 0) return x;
  if (rate === 1) return zerosLike(x);
  const keep = random.bernoulli(key, 1 - rate, x.shape);
  return where(keep, x.div(1 - rate), 0);
}
