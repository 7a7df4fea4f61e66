// SPDX-License-Identifier: MIT
import { abs, log, log1p, maximum, minimum, type Tensor } from '@loom/core';
import { type LossOptions, reduceLoss } from './reduce.js';
import { sameShape } from './regression.js';

/** Options of `binaryCrossEntropy`. */
export interface BinaryCrossEntropyOptions extends LossOptions {
  /** Probabilities are clipped to [eps, 1 − eps] before the logarithm (default 1e-7). */
  eps?: number;
}

/**
 * Binary cross-entropy of probabilities p against targets y ∈ [0, 1], elementwise:
 * −[y·log(p̂) + (1 − y)·log(1 − p̂)] with p̂ = clip(p, eps, 1 − eps). Prefer
 * `sigmoidBinaryCrossEntropy` on logits: it needs no clipping and is exact for saturated units.
 */
export function binaryCrossEntropy(
  probs: Tensor,
  targets: Tensor,
  options: BinaryCrossEntropyOptions = {},
): Tensor {
  sameShape('binaryCrossEntropy', probs, targets, ['probabilities', 'targets']);
  const eps = options.eps ?? 1e-7;
  const p = minimum(maximum(probs, eps), 1 - eps);
  const y = targets.astype(probs.dtype);
  const l = y
    .mul(log(p))
    .add(
      y
        .neg()
        .add(1)
        .mul(log(p.neg().add(1))),
    )
    .neg();
  return reduceLoss('binaryCrossEntropy', l, options);
}

/**
 * Binary cross-entropy on logits z (σ(z) is the probability), elementwise and stable for any z:
 * max(z, 0) − z·y + log(1 + exp(−|z|)), which equals −[y·log σ(z) + (1 − y)·log(1 − σ(z))].
 */
export function sigmoidBinaryCrossEntropy(
  logits: Tensor,
  targets: Tensor,
  options: LossOptions = {},
): Tensor {
  sameShape('sigmoidBinaryCrossEntropy', logits, targets, ['logits', 'targets']);
  const y = targets.astype(logits.dtype);
  const l = maximum(logits, 0)
    .sub(logits.mul(y))
    .add(log1p(abs(logits).neg().exp()));
  return reduceLoss('sigmoidBinaryCrossEntropy', l, options);
}
