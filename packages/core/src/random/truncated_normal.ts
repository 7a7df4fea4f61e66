// SPDX-License-Identifier: MIT
import { DtypeError, InvalidArgumentError } from '../errors.js';
import { randomBits } from '../kernels/threefry.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { allocate, type DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { normalCdf, normalQuantileIn } from './normal_cdf.js';
import { batchPerKey, checkKey, type RandomParams } from './prims.js';
import { checkShape } from './random.js';

interface TruncatedParams extends RandomParams {
  readonly lower: number;
  readonly upper: number;
}

/** The float32 nearest to x that lies within [lo, hi] (rounding may step outside). */
function float32Within(x: number, lo: number, hi: number): number {
  let f = Math.fround(x);
  const step = (v: number, up: boolean) => {
    const bits = new Float32Array([v]);
    const u = new Int32Array(bits.buffer);
    u[0] += v >= 0 === up ? 1 : -1;
    return bits[0];
  };
  if (f < lo) f = step(f, true);
  if (f > hi) f = step(f, false);
  return f;
}

/**
 * Standard normal samples conditioned on [lower, upper], by the inverse CDF: u uniform in
 * (Φ(lower), Φ(upper)), x = Φ⁻¹(u). An interval above 0 is sampled mirrored (−upper, −lower)
 * and negated, so the probabilities stay in the precise lower tail.
 */
export const randomTruncatedNormalPrim: Primitive<TruncatedParams> =
  definePrimitive<TruncatedParams>({
    name: 'random_truncated_normal',
    abstractEval([key], { shape, dtype }) {
      checkKey('random.truncatedNormal', key);
      if (dtype !== 'float32' && dtype !== 'float64') {
        throw new DtypeError(
          `random.truncatedNormal: dtype must be float32 or float64, got ${dtype}.`,
        );
      }
      return [new ShapedArray(shape, dtype)];
    },
    impl([key], { dtype, lower, upper }, [out]) {
      const bits = randomBits(key.buffer[0] >>> 0, key.buffer[1] >>> 0, out.size);
      const mirrored = lower > -upper;
      const lo = mirrored ? -upper : lower;
      const hi = mirrored ? -lower : upper;
      const pa = normalCdf(lo);
      const pb = normalCdf(hi);
      const buffer = allocate(dtype, out.size);
      for (let i = 0; i < bits.length; i++) {
        const u = (bits[i] + 0.5) * 2 ** -32; // in (0, 1)
        const x = normalQuantileIn(pa + u * (pb - pa), lo, hi);
        const v = Math.min(Math.max(mirrored ? -x : x, lower), upper);
        buffer[i] = dtype === 'float32' ? float32Within(v, lower, upper) : v;
      }
      return [new ConcreteTensor(buffer, out.shape)];
    },
    jvp([key], _, params) {
      return [[bind1(randomTruncatedNormalPrim, [key], params)], [null]];
    },
    batch(size, [key], [d], params) {
      return batchPerKey(randomTruncatedNormalPrim, size, key, d!, params);
    },
  });

/**
 * Standard normal samples truncated to [lower, upper] (either bound may be infinite), as
 * jax.random.truncated_normal.
 * @example const w = random.truncatedNormal(key, -2, 2, [128, 64]);
 */
export function truncatedNormal(
  key: Tensor,
  lower: number,
  upper: number,
  shape: Shape,
  options: { dtype?: DType } = {},
): Tensor {
  if (
    typeof lower !== 'number' ||
    typeof upper !== 'number' ||
    Number.isNaN(lower) ||
    Number.isNaN(upper) ||
    !(lower < upper)
  ) {
    throw new InvalidArgumentError(
      `random.truncatedNormal: needs numbers lower < upper, got lower ${String(lower)}, upper ${String(upper)}.`,
    );
  }
  checkShape('truncatedNormal', shape);
  return bind1(randomTruncatedNormalPrim, [key], {
    shape: [...shape],
    dtype: options.dtype ?? 'float32',
    lower,
    upper,
  });
}
