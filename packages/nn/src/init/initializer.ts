// SPDX-License-Identifier: MIT
import type { DType, Shape, Tensor } from '@loom/core';

/**
 * An initializer draws a parameter of `shape` from a PRNG key. Keys are explicit values (as in
 * JAX), so the same key always gives the same parameters and models are reproducible.
 */
export type Initializer = (key: Tensor, shape: Shape, dtype?: DType) => Tensor;

/**
 * Fan-in and fan-out of a weight shape, with the convention of flax and Keras: the last axis is
 * the output, the one before it the input, and any leading axes form the receptive field.
 */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return {
    fanIn: shape[shape.length - 2] * receptive,
    fanOut: shape[shape.length - 1] * receptive,
  };
}
