// SPDX-License-Identifier: MIT
import {
  type DType,
  DtypeError,
  matmul,
  random,
  ShapeError,
  softmax,
  type Tensor,
  transpose,
  where,
} from '@loom/core';
import { zeros } from '../init/basic.js';
import type { Initializer } from '../init/initializer.js';
import { lecunNormal } from '../init/variance_scaling.js';
import { checkConfig } from '../validate.js';

/** Options of `dotProductAttention`. */
export interface AttentionOptions {
  /**
   * Which key positions each query may attend to: bool (or numbers, non-zero = attend),
   * broadcastable to [B, N, T, S]. A fully masked row attends uniformly (as JAX).
   */
  mask?: Tensor;
  /** Added to the logits before the softmax, broadcastable to [B, N, T, S]. */
  bias?: Tensor;
  /** Logit scale (default 1/√H). */
  scale?: number;
}

// Masked logits: far below any real logit yet finite, so the softmax gives them exactly 0
// without the NaN that (−∞) − (−∞) would give in a fully masked row (JAX's choice).
const MASKED_LOGIT: Record<string, number> = {
  float32: -0.7 * 3.4028234663852886e38,
  float64: -0.7 * Number.MAX_VALUE,
};

/**
 * softmax over the last axis where `mask` (bool, or numbers non-zero = keep; broadcastable to
 * the logits) allows, exactly 0 elsewhere; a fully masked row is uniform. Shared by the
 * attention layers.
 */
export function maskedSoftmax(logits: Tensor, mask?: Tensor): Tensor {
  if (mask === undefined) return softmax(logits, -1);
  const keep = mask.dtype === 'bool' ? mask : mask.ne(0);
  return softmax(where(keep, logits, MASKED_LOGIT[logits.dtype] ?? MASKED_LOGIT.float64), -1);
}

const describe = (t: Tensor) => `${t.dtype}[${t.shape.join(', ')}]`;

/** [B, L, N, H] (or [B, L, H] as one head) → [B, N, L, H]. */
function headsFirst(op: string, name: string, x: Tensor): Tensor {
  if (x.ndim === 3)
    return transpose(x.reshape([x.shape[0], x.shape[1], 1, x.shape[2]]), [0, 2, 1, 3]);
  if (x.ndim === 4) return transpose(x, [0, 2, 1, 3]);
  throw new ShapeError(
    `${op}: ${name} must be [batch, length, heads, depth] or [batch, length, depth], got ${describe(x)}.`,
  );
}

/**
 * Scaled dot-product attention (Vaswani et al. 2017), as jax.nn.dot_product_attention:
 * softmax(q·kᵀ·scale + bias, masked) · v over the key positions, per head, with a numerically
 * stable softmax. Shapes: query [B, T, N, H], key [B, S, N, H], value [B, S, N, Hv] → [B, T, N, Hv];
 * rank-3 inputs [B, T, H] are one head and give [B, T, Hv].
 * @example
 * const causal = tensor(lowerTriangle(T), { dtype: 'bool' }); // [T, T]
 * const out = dotProductAttention(q, k, v, { mask: causal });
 */
export function dotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  options: AttentionOptions = {},
): Tensor {
  const op = 'dotProductAttention';
  const q = headsFirst(op, 'query', query);
  const k = headsFirst(op, 'key', key);
  const v = headsFirst(op, 'value', value);
  const [b, n, , h] = q.shape;
  const ok =
    query.ndim === key.ndim &&
    key.ndim === value.ndim &&
    k.shape[0] === b &&
    v.shape[0] === b &&
    k.shape[1] === n &&
    v.shape[1] === n &&
    k.shape[3] === h &&
    v.shape[2] === k.shape[2];
  if (!ok) {
    throw new ShapeError(
      `${op}: query ${describe(query)}, key ${describe(key)}, value ${describe(value)} do not ` +
        'fit: expected query [B, T, N, H], key [B, S, N, H], value [B, S, N, Hv] (or all rank 3).',
    );
  }
  if (query.dtype !== key.dtype || key.dtype !== value.dtype || !(query.dtype in MASKED_LOGIT)) {
    throw new DtypeError(
      `${op}: query, key and value must share a float dtype, got ${query.dtype}, ${key.dtype}, ${value.dtype}.`,
    );
  }
  const scale = options.scale ?? 1 / Math.sqrt(h);
  let logits = matmul(q, transpose(k, [0, 1, 3, 2])).mul(scale); // [B, N, T, S]
  if (options.bias) logits = logits.add(options.bias);
  const weights = maskedSoftmax(logits, options.mask);
  const out = transpose(matmul(weights, v), [0, 2, 1, 3]); // [B, T, N, Hv]
  return query.ndim === 3 ? out.reshape([out.shape[0], out.shape[1], out.shape[3]]) : out;
}

/** Parameters of a projection to heads: `w` [D, N, H] and `b` [N, H]. */
export interface HeadProjection {
  readonly w: Tensor;
  readonly b?: Tensor;
}

/** Parameters of `multiHeadAttention`; the head count and sizes live in the shapes. */
export interface MultiHeadAttentionParams {
  readonly query: HeadProjection;
  readonly key: HeadProjection;
  readonly value: HeadProjection;
  /** `w` [N, H, Dout], `b` [Dout]. */
  readonly out: { readonly w: Tensor; readonly b?: Tensor };
}

/** Static configuration of `multiHeadAttention`. */
export interface MultiHeadAttentionConfig {
  numHeads: number;
  /** Features of the queries' inputs. */
  queryFeatures: number;
  /** Features of the keys'/values' inputs (default queryFeatures). */
  keyValueFeatures?: number;
  /** Depth per head (default queryFeatures / numHeads). */
  headSize?: number;
  /** Output features (default queryFeatures). */
  outFeatures?: number;
  /** Biases on the projections (default true). */
  bias?: boolean;
  /** Kernel initializer (default LeCun normal, as flax). */
  init?: Initializer;
  dtype?: DType;
}

/** x [B, L, D] · w [D, N, H] (+ b) → [B, L, N, H]. */
function project(p: HeadProjection, x: Tensor): Tensor {
  const [d, n, h] = p.w.shape;
  const y = x.matmul(p.w.reshape([d, n * h])).reshape([...x.shape.slice(0, -1), n, h]);
  return p.b ? y.add(p.b) : y;
}

/**
 * Multi-head attention (flax's MultiHeadDotProductAttention): queries, keys and values are
 * projected to N heads of depth H, attended with `dotProductAttention` and projected back.
 * @example
 * const mha = multiHeadAttention.init(key, { numHeads: 4, queryFeatures: 64 });
 * const y = multiHeadAttention.apply(mha, x, x, { mask }); // self-attention, x [B, T, 64]
 */
export const multiHeadAttention = {
  init(rngKey: Tensor, config: MultiHeadAttentionConfig): MultiHeadAttentionParams {
    checkConfig('multiHeadAttention.init', config, {
      sizes: ['numHeads', 'queryFeatures'],
      optionalSizes: ['keyValueFeatures', 'headSize', 'outFeatures'],
      initializers: ['init'],
      booleans: ['bias'],
    });
    const { numHeads: n, queryFeatures: dq, bias = true, dtype = 'float32' } = config;
    const dkv = config.keyValueFeatures ?? dq;
    const h = config.headSize ?? dq / n;
    if (!Number.isInteger(h)) {
      throw new ShapeError(
        `multiHeadAttention.init: queryFeatures ${dq} is not divisible by numHeads ${n}; give headSize.`,
      );
    }
    const dout = config.outFeatures ?? dq;
    const init = config.init ?? lecunNormal;
    const [kq, kk, kv, ko] = random.split(rngKey, 4);
    const head = (k: Tensor, d: number): HeadProjection => {
      // The fan-in of a [D, N, H] kernel is D: draw it as [D, N·H].
      const w = init(k, [d, n * h], dtype).reshape([d, n, h]);
      return bias ? { w, b: zeros(k, [n, h], dtype) } : { w };
    };
    const outW = init(ko, [n * h, dout], dtype).reshape([n, h, dout]);
    return {
      query: head(kq, dq),
      key: head(kk, dkv),
      value: head(kv, dkv),
      out: bias ? { w: outW, b: zeros(ko, [dout], dtype) } : { w: outW },
    };
  },
  /** queries [B, T, Dq], keysValues [B, S, Dkv] → [B, T, Dout]. */
  apply(
    params: MultiHeadAttentionParams,
    queries: Tensor,
    keysValues: Tensor = queries,
    options: Omit<AttentionOptions, 'scale'> = {},
  ): Tensor {
    const op = 'multiHeadAttention.apply';
    const [dq] = params.query.w.shape;
    const [dkv] = params.key.w.shape;
    if (
      queries.ndim !== 3 ||
      queries.shape[2] !== dq ||
      keysValues.ndim !== 3 ||
      keysValues.shape[2] !== dkv ||
      keysValues.shape[0] !== queries.shape[0]
    ) {
      throw new ShapeError(
        `${op}: queries ${describe(queries)} and keysValues ${describe(keysValues)} must be ` +
          `[B, T, ${dq}] and [B, S, ${dkv}].`,
      );
    }
    const attended = dotProductAttention(
      project(params.query, queries),
      project(params.key, keysValues),
      project(params.value, keysValues),
      options,
    ); // [B, T, N, H]
    const [n, h, dout] = params.out.w.shape;
    const [b, t] = queries.shape;
    const y = attended.reshape([b, t, n * h]).matmul(params.out.w.reshape([n * h, dout]));
    return params.out.b ? y.add(params.out.b) : y;
  },
};
