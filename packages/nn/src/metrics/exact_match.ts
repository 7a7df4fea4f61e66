// SPDX-License-Identifier: MIT
import { min, ShapeError, type Tensor } from '@loom/core';
import { binary, type ThresholdOptions } from './accuracy.js';

/**
 * The fraction of examples (leading axis) whose every thresholded prediction equals its target:
 * e.g. predictions [B, T, 1] of the binary adder against target bits — a sum counts only when
 * all its bits are right. Returns a float32 scalar tensor.
 */
export function exactMatch(
  predictions: Tensor,
  targets: Tensor,
  options: ThresholdOptions = {},
): Tensor {
  if (
    predictions.ndim === 0 ||
    predictions.ndim !== targets.ndim ||
    predictions.shape.some((d, i) => d !== targets.shape[i])
  ) {
    throw new ShapeError(
      `exactMatch: predictions [${predictions.shape.join(', ')}] and targets ` +
        `[${targets.shape.join(', ')}] must have the same shape, with examples on axis 0.`,
    );
  }
  const right = predictions
    .gt(options.threshold ?? 0.5)
    .eq(binary(targets))
    .astype('int32');
  const axes = right.shape.slice(1).map((_, i) => i + 1);
  const perExample = axes.length === 0 ? right : min(right, axes);
  return perExample.astype('float32').mean();
}
