// SPDX-License-Identifier: MIT
import { broadcastTo, InvalidArgumentError, sum, type Tensor, where } from '@loom/core';

/** How a loss reduces its per-element (or per-example) values. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options shared by every loss. */
export interface LossOptions {
  /** 'mean' (default), 'sum', or 'none' for the unreduced values. */
  reduction?: Reduction;
  /**
   * Weights (or a 0/1 or bool mask) broadcast against the unreduced loss, e.g. [T, B] to drop
   * padded time steps. With 'mean', the result is Σ w·ℓ / Σ w (so padding does not dilute the
   * mean; 0 when every weight is 0); with 'sum' it is Σ w·ℓ; with 'none' it is w·ℓ.
   */
  weights?: Tensor;
}

/** Applies weights and the reduction to an unreduced loss `l`. */
export function reduceLoss(op: string, l: Tensor, options: LossOptions = {}): Tensor {
  const { reduction = 'mean', weights } = options;
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new InvalidArgumentError(
      `${op}: unknown reduction ${JSON.stringify(reduction)}; use 'mean', 'sum' or 'none'.`,
    );
  }
  if (weights === undefined) {
    return reduction === 'none' ? l : reduction === 'sum' ? sum(l) : l.mean();
  }
  const w = broadcastTo(weights.dtype === 'bool' ? weights.astype(l.dtype) : weights, l.shape);
  const weighted = l.mul(w);
  if (reduction === 'none') return weighted;
  if (reduction === 'sum') return sum(weighted);
  const total = sum(w).astype(l.dtype);
  // Guard 0/0 when everything is masked: the loss (and its gradient) is then 0.
  return sum(weighted).div(where(total.gt(0), total, 1));
}
