// SPDX-License-Identifier: MIT
import { argmax, type Shape, ShapeError, type Tensor } from '@loom/core';

/** Options of the threshold-based metrics. */
export interface ThresholdOptions {
  /** Predictions above it count as 1 (default 0.5 for probabilities; use 0 for logits). */
  threshold?: number;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Targets as booleans: bools as they are, numbers above 0.5 as true. */
export function binary(targets: Tensor): Tensor {
  return targets.dtype === 'bool' ? targets : targets.gt(0.5);
}

/**
 * The fraction of correct predictions, as a float32 scalar tensor.
 * - Multiclass: int32 `labels` [...] against logits or probabilities [..., C] (argmax).
 * - Binary / multi-label: `labels` (0/1 floats or bools) with the predictions' own shape;
 *   predictions are thresholded (`threshold`, default 0.5) and every element counts.
 * For one-hot labels, pass `argmax(labels, -1)`.
 */
export function accuracy(
  predictions: Tensor,
  labels: Tensor,
  options: ThresholdOptions = {},
): Tensor {
  const lead = predictions.shape.slice(0, -1);
  if (labels.dtype === 'int32' && predictions.ndim > 0 && sameShape(labels.shape, lead)) {
    return argmax(predictions, -1).eq(labels).astype('float32').mean();
  }
  if (!sameShape(labels.shape, predictions.shape)) {
    throw new ShapeError(
      `accuracy: labels [${labels.shape.join(', ')}] must be int32 class indices of shape ` +
        `[${lead.join(', ')}] or binary targets of shape [${predictions.shape.join(', ')}].`,
    );
  }
  const threshold = options.threshold ?? 0.5;
  return predictions.gt(threshold).eq(binary(labels)).astype('float32').mean();
}
