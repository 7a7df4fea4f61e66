// SPDX-License-Identifier: MIT
import { full, random } from '@loom/core';
import type { Initializer } from './initializer.js';

/** All zeros (the usual bias initializer). The key is ignored. */
export const zeros: Initializer = (_key, shape, dtype = 'float32') => full(shape, 0, dtype);

/** All ones (e.g. for scales). The key is ignored. */
export const ones: Initializer = (_key, shape, dtype = 'float32') => full(shape, 1, dtype);

/** Every element equal to `value`. The key is ignored. */
export function constant(value: number): Initializer {
  return (_key, shape, dtype = 'float32') => full(shape, value, dtype);
}

/** Uniform on [−scale, scale), or on [min, max) when given as `{ min, max }`. */
export function uniform(range: number | { min: number; max: number } = 0.05): Initializer {
  const { min, max } = typeof range === 'number' ? { min: -range, max: range } : range;
  return (key, shape, dtype = 'float32') =>
    random.uniform(key, shape, { minval: min, maxval: max, dtype });
}

/** Normal with mean 0 (or `mean`) and standard deviation `std`. */
export function normal(std = 0.01, mean = 0): Initializer {
  return (key, shape, dtype = 'float32') => random.normal(key, shape, { dtype, mean, std });
}
