// SPDX-License-Identifier: MIT
import { InvalidArgumentError } from '../errors.js';
import { add } from '../prims/add.js';
import { argsort } from '../prims/argsort.js';
import { lt } from '../prims/comparisons.js';
import { cos } from '../prims/cos.js';
import { take } from '../prims/gather.js';
import { log } from '../prims/log.js';
import { mul } from '../prims/mul.js';
import type { TensorLike } from '../prims/operands.js';
import { reshape } from '../prims/reshape.js';
import { slice } from '../prims/slice.js';
import { sqrt } from '../prims/sqrt.js';
import { sub } from '../prims/sub.js';
import { tensor } from '../tensor/create.js';
import type { DType } from '../tensor/dtype.js';
import { normalizeAxis, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { bind1 } from '../trace/trace.js';
import { randomBitsPrim, randomUniformPrim } from './prims.js';

/** Rejects a sample shape that is not a list of non-negative integers, naming the sampler. */
export function checkShape(fn: string, shape: Shape): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidArgumentError(
      `random.${fn}: shape ${Array.isArray(shape) ? `[${shape.join(',')}]` : String(shape)} must be an array of non-negative integers.`,
    );
  }
}

/**
 * A PRNG key (int32[2]) from an integer seed. Keys are values: the same key always gives the
 * same numbers, so derive fresh keys with `split` instead of reusing one.
 * @example
 * const [k1, k2] = random.split(random.key(42));
 * const w = random.normal(k1, [3, 2]); // N(0, 1), float32
 * const u = random.uniform(k2, [5]); // U[0, 1)
 */
export function key(seed: number): Tensor {
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError(`random.key: seed must be a safe integer, got ${seed}.`);
  }
  const hi = Math.floor(seed / 2 ** 32);
  return tensor([hi | 0, seed | 0], { dtype: 'int32' });
}

/**
 * Splits a key into `n` (default 2) independent keys.
 * @example
 * const [kInit, kData] = random.split(random.key(0)); // two independent keys
 * const keys = random.split(kData, 10); // ten more
 */
export function split(k: Tensor, n = 2): Tensor[] {
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`random.split: n must be a positive integer, got ${n}.`);
  const words = bind1(randomBitsPrim, [k], { shape: [n, 2], dtype: 'int32' });
  return Array.from({ length: n }, (_, i) => reshape(slice(words, [i, 0], [i + 1, 2]), [2]));
}

/** Raw 32-bit random words (as int32). */
export function bits(k: Tensor, shape: Shape): Tensor {
  checkShape('bits', shape);
  return bind1(randomBitsPrim, [k], { shape: [...shape], dtype: 'int32' });
}

/** Uniform samples in [minval, maxval) (default [0, 1)), float32 unless `dtype` says float64. */
export function uniform(
  k: Tensor,
  shape: Shape,
  options: { minval?: number; maxval?: number; dtype?: DType } = {},
): Tensor {
  checkShape('uniform', shape);
  const { minval = 0, maxval = 1, dtype = 'float32' } = options;
  if (!(Number.isFinite(minval) && Number.isFinite(maxval) && minval < maxval)) {
    throw new InvalidArgumentError(
      `random.uniform: needs finite minval < maxval, got minval ${minval}, maxval ${maxval}.`,
    );
  }
  const u = bind1(randomUniformPrim, [k], { shape: [...shape], dtype });
  return minval === 0 && maxval === 1 ? u : add(mul(u, maxval - minval), minval);
}

/**
 * Standard normal samples (Box–Muller on two uniform draws; 1 − u keeps the logarithm finite).
 * @example
 * const w = random.normal(random.key(0), [3, 2]); // [3, 2] float32 from N(0, 1)
 */
export function normal(
  k: Tensor,
  shape: Shape,
  options: { dtype?: DType; mean?: number; std?: number } = {},
): Tensor {
  checkShape('normal', shape);
  const { dtype = 'float32', mean = 0, std = 1 } = options;
  const u = bind1(randomUniformPrim, [k], { shape: [2, ...shape], dtype });
  const size = shape.reduce((a, b) => a * b, 1);
  const flat = reshape(u, [2, size]);
  const u1 = reshape(slice(flat, [0, 0], [1, size]), shape);
  const u2 = reshape(slice(flat, [1, 0], [2, size]), shape);
  const radius = sqrt(mul(log(sub(1, u1)), -2));
  const z = mul(radius, cos(mul(u2, 2 * Math.PI)));
  return mean === 0 && std === 1 ? z : add(mul(z, std), mean);
}

/**
 * Booleans that are true with probability `p` (a number or a tensor of probabilities), of
 * `shape` (default: the shape of `p`), as jax.random.bernoulli.
 */
export function bernoulli(k: Tensor, p: TensorLike = 0.5, shape?: Shape): Tensor {
  if (typeof p === 'number' && !(p >= 0 && p <= 1)) {
    throw new InvalidArgumentError(
      `random.bernoulli: p must be a probability in [0, 1], got ${p}.`,
    );
  }
  const target = shape ?? (typeof p === 'number' ? [] : [...(p as Tensor).shape]);
  checkShape('bernoulli', target);
  return lt(uniform(k, target), p);
}

/**
 * A random permutation: of 0..n−1 (int32) for a number, or of a tensor's entries along `axis`
 * (default 0), as jax.random.permutation.
 */
export function permutation(
  k: Tensor,
  x: number | Tensor,
  options: { axis?: number } = {},
): Tensor {
  if (typeof x !== 'number') {
    const axis = normalizeAxis('random.permutation', options.axis ?? 0, x.ndim, x.shape);
    return take(x, permutation(k, x.shape[axis]), axis);
  }
  if (!Number.isInteger(x) || x < 0) {
    throw new InvalidArgumentError(
      `random.permutation: n must be a non-negative integer or a tensor, got ${x}.`,
    );
  }
  return argsort(uniform(k, [x], { dtype: 'float64' }));
}
