// SPDX-License-Identifier: MIT
import { ShapeError, square, sum, type Tensor } from '@loom/core';
import { type LossOptions, reduceLoss } from './reduce.js';

/** Throws unless predictions and targets have the same shape (no silent broadcasting). */
export function sameShape(op: string, a: Tensor, b: Tensor, names = ['predictions', 'targets']) {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(
      `${op}: ${names[0]} [${a.shape.join(', ')}] and ${names[1]} [${b.shape.join(', ')}] must have the same shape.`,
    );
  }
}

/**
 * ½ Σ (p − y)², the error of the classic backprop derivations (the binary-adder RNN): its
 * gradient with respect to p is exactly p − y. Weights multiply each squared error.
 */
export function sumSquaredError(
  predictions: Tensor,
  targets: Tensor,
  options: { weights?: Tensor } = {},
): Tensor {
  sameShape('sumSquaredError', predictions, targets);
  const se = square(predictions.sub(targets));
  return sum(
    options.weights ? reduceLoss('sumSquaredError', se, { ...options, reduction: 'none' }) : se,
  ).mul(0.5);
}

/**
 * Mean squared error, mean over every element of (p − y)² (see `LossOptions`).
 * @example
 * mse(tensor([1, 2]), tensor([1, 4])).item(); // (0 + 4) / 2 = 2
 */
export function mse(predictions: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  sameShape('mse', predictions, targets);
  return reduceLoss('mse', square(predictions.sub(targets)), options);
}
