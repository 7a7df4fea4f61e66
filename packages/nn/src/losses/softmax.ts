// SPDX-License-Identifier: MIT
import {
  checkIndexRange,
  DtypeError,
  logSoftmax,
  oneHot,
  ShapeError,
  sum,
  type Tensor,
} from '@loom/core';
import { type LossOptions, reduceLoss } from './reduce.js';
import { sameShape } from './regression.js';

/**
 * Cross-entropy of logits [..., C] against a distribution over the C classes (usually one-hot),
 * −Σ_c y_c · logSoftmax(z)_c per example, computed through logSoftmax so it never overflows.
 * Unreduced shape (and the shape weights broadcast against): [...].
 * @example
 * const logits = tensor([[2, 0, -1], [0, 3, 0]]);
 * const loss = softmaxCrossEntropy(logits, tensor([[1, 0, 0], [0, 1, 0]])); // mean over the batch
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  labels: Tensor,
  options: LossOptions = {},
): Tensor {
  sameShape('softmaxCrossEntropy', logits, labels, ['logits', 'labels']);
  const l = sum(labels.astype(logits.dtype).mul(logSoftmax(logits, -1)), -1).neg();
  return reduceLoss('softmaxCrossEntropy', l, options);
}

/**
 * `softmaxCrossEntropy` with int32 class indices: logits [..., C], labels [...] in [0, C).
 * Per example −logSoftmax(z)[label]. A label outside [0, C) is an IndexError (NaN when traced). Unreduced shape: [...] (e.g. [T, B] for a language model,
 * where `weights` can mask padding).
 * @example
 * const logits = tensor([[2, 0, -1], [0, 3, 0]]);
 * const loss = sparseSoftmaxCrossEntropy(logits, tensor([0, 1], { dtype: 'int32' }));
 */
export function sparseSoftmaxCrossEntropy(
  logits: Tensor,
  labels: Tensor,
  options: LossOptions = {},
): Tensor {
  if (labels.dtype !== 'int32') {
    throw new DtypeError(
      `sparseSoftmaxCrossEntropy: labels have dtype ${labels.dtype}; they must be int32 class indices.`,
    );
  }
  const lead = logits.shape.slice(0, -1);
  if (
    logits.ndim === 0 ||
    lead.length !== labels.ndim ||
    lead.some((d, i) => d !== labels.shape[i])
  ) {
    throw new ShapeError(
      `sparseSoftmaxCrossEntropy: logits [${logits.shape.join(', ')}] need labels of shape ` +
        `[${lead.join(', ')}] (all but the class axis), got [${labels.shape.join(', ')}].`,
    );
  }
  const classes = logits.shape[logits.ndim - 1];
  // Concrete labels are checked here, naming this loss; traced ones get a NaN loss from oneHot
  // (never the zero loss an all-zero one-hot row would give).
  checkIndexRange('sparseSoftmaxCrossEntropy', labels, classes, 'label');
  const picked = sum(oneHot(labels, classes, logits.dtype).mul(logSoftmax(logits, -1)), -1);
  return reduceLoss('sparseSoftmaxCrossEntropy', picked.neg(), options);
}
