// SPDX-License-Identifier: MIT
// Samplers built from uniform draws (jax.random's gumbel, categorical, randint, choice): plain
// compositions of primitives, so they trace, jit and vmap like any other code.
import { DtypeError, InvalidArgumentError, ShapeError } from '../errors.js';
import { add } from '../prims/add.js';
import { argmax } from '../prims/argmax.js';
import { argsort } from '../prims/argsort.js';
import { broadcastTo } from '../prims/broadcast_in_dim.js';
import { astype } from '../prims/convert_element_type.js';
import { take } from '../prims/gather.js';
import { log } from '../prims/log.js';
import { mul } from '../prims/mul.js';
import { neg } from '../prims/neg.js';
import { reshape } from '../prims/reshape.js';
import { slice } from '../prims/slice.js';
import { transpose } from '../prims/transpose.js';
import type { DType } from '../tensor/dtype.js';
import { isFloat } from '../tensor/dtype.js';
import { normalizeAxis, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkShape, permutation, uniform } from './random.js';

const TINY: Record<string, number> = { float32: 2 ** -126, float64: 2 ** -1022 };

/**
 * Standard Gumbel samples, −log(−log(u)) with u uniform in [tiny, 1), as jax.random.gumbel.
 * @example const g = random.gumbel(key, [4, 10]);
 */
export function gumbel(key: Tensor, shape: Shape, options: { dtype?: DType } = {}): Tensor {
  checkShape('gumbel', shape);
  const dtype = options.dtype ?? 'float32';
  const u = uniform(key, shape, { dtype, minval: TINY[dtype] ?? 0, maxval: 1 });
  return neg(log(neg(log(u))));
}

/** Moves `axis` of x to the end. */
function axisLast(x: Tensor, axis: number): Tensor {
  if (axis === x.ndim - 1) return x;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== axis);
  return transpose(x, [...perm, axis]);
}

/**
 * Samples category indices (int32) from unnormalised log-probabilities `logits` along `axis`
 * (default −1), as jax.random.categorical: argmax(logits + Gumbel noise). The result has the
 * logits' shape without `axis`, or `shape` when given (which must end with that batch shape;
 * its leading dimensions draw independent samples).
 * @example const next = random.categorical(key, logits.div(temperature)); // one per row
 */
export function categorical(
  key: Tensor,
  logits: Tensor,
  options: { axis?: number; shape?: Shape } = {},
): Tensor {
  if (!isFloat(logits.dtype)) {
    throw new DtypeError(
      `random.categorical: logits must be float32 or float64, got ${logits.dtype}.`,
    );
  }
  if (logits.ndim === 0) {
    throw new ShapeError(
      'random.categorical: logits must have at least one axis (the categories).',
    );
  }
  const axis = normalizeAxis('random.categorical', options.axis ?? -1, logits.ndim, logits.shape);
  const moved = axisLast(logits, axis);
  const batch = moved.shape.slice(0, -1);
  const categories = moved.shape[moved.ndim - 1];
  const shape = options.shape ?? batch;
  checkShape('categorical', shape);
  const tail = shape.slice(shape.length - batch.length);
  if (shape.length < batch.length || tail.some((d, i) => d !== batch[i])) {
    throw new ShapeError(
      `random.categorical: shape [${shape.join(',')}] must end with the logits' batch shape ` +
        `[${batch.join(',')}] (logits [${logits.shape.join(',')}] without axis ${axis}).`,
    );
  }
  const noise = gumbel(key, [...shape, categories], { dtype: logits.dtype });
  return argmax(add(noise, broadcastTo(moved, [...shape, categories])), -1);
}

/**
 * Uniform integers in [minval, maxval) (int32), as jax.random.randint.
 * @example const tokens = random.randint(key, [32, 16], 0, vocabSize);
 */
export function randint(key: Tensor, shape: Shape, minval: number, maxval: number): Tensor {
  checkShape('randint', shape);
  const ok = (v: number) => Number.isInteger(v) && v >= -(2 ** 31) && v <= 2 ** 31;
  if (!ok(minval) || !ok(maxval) || !(minval < maxval)) {
    throw new InvalidArgumentError(
      `random.randint: needs 32-bit integers minval < maxval, got minval ${minval}, maxval ${maxval}.`,
    );
  }
  // 32 random bits per draw scaled to the span: the bias is at most span / 2^32.
  const u = uniform(key, shape, { dtype: 'float64' });
  return astype(add(mul(u, maxval - minval).astype('int32'), minval), 'int32');
}

/** Options of `choice`. */
export interface ChoiceOptions {
  /** Output shape (default [] : one draw). */
  shape?: Shape;
  /** Draw with replacement (default true). */
  replace?: boolean;
  /** Probabilities of the candidates (default uniform); must match their number. */
  p?: Tensor;
  /** The axis of `a` to choose along (default 0). */
  axis?: number;
}

/**
 * Random draws from `a` (a tensor, chosen along `axis`) or from 0..a−1 (a number), as
 * jax.random.choice: with or without replacement, uniformly or with probabilities `p`
 * (without replacement and with `p`: the Gumbel top-k trick).
 * @example const batch = random.choice(key, 60000, { shape: [64], replace: false });
 */
export function choice(key: Tensor, a: number | Tensor, options: ChoiceOptions = {}): Tensor {
  const { shape = [], replace = true, p } = options;
  checkShape('choice', shape);
  const isCount = typeof a === 'number';
  if (isCount && (!Number.isInteger(a) || a < 1)) {
    throw new InvalidArgumentError(
      `random.choice: a must be a positive integer or a tensor, got ${a}.`,
    );
  }
  const axis = isCount ? 0 : normalizeAxis('random.choice', options.axis ?? 0, a.ndim, a.shape);
  const n = isCount ? a : a.shape[axis];
  const size = shape.reduce((x, y) => x * y, 1);
  if (!replace && size > n) {
    throw new ShapeError(
      `random.choice: cannot take ${size} samples (shape [${shape.join(',')}]) from ${n} candidates without replacement.`,
    );
  }
  if (p !== undefined && (p.ndim !== 1 || p.shape[0] !== n)) {
    throw new ShapeError(
      `random.choice: p must be a vector of the ${n} candidates' probabilities, got p ${p.dtype}[${p.shape.join(',')}].`,
    );
  }
  let indices: Tensor;
  if (replace) {
    indices =
      p === undefined
        ? randint(key, [size], 0, n)
        : categorical(key, log(p.astype('float64')), { shape: [size] });
  } else {
    const order =
      p === undefined
        ? permutation(key, n)
        : argsort(neg(add(log(p.astype('float64')), gumbel(key, [n], { dtype: 'float64' }))));
    indices = slice(order, [0], [size]);
  }
  if (isCount) return reshape(indices, shape);
  const picked = take(a, indices, axis);
  return reshape(picked, [...a.shape.slice(0, axis), ...shape, ...a.shape.slice(axis + 1)]);
}
