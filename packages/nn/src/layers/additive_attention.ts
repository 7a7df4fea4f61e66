// SPDX-License-Identifier: MIT
import { type DType, random, ShapeError, type Tensor, tanh } from '@loom/core';
import type { Initializer } from '../init/initializer.js';
import { glorotUniform } from '../init/variance_scaling.js';
import { checkConfig } from '../validate.js';
import { maskedSoftmax } from './attention.js';

/**
 * Parameters of additive attention: `wQuery` [queryFeatures, attentionSize] (W_s),
 * `wKey` [keyFeatures, attentionSize] (W_h) and `v` [attentionSize].
 */
export interface AdditiveAttentionParams {
  readonly wQuery: Tensor;
  readonly wKey: Tensor;
  readonly v: Tensor;
}

/** Static configuration of additive attention (kept outside the parameter tree). */
export interface AdditiveAttentionConfig {
  /** Features of the query s (the decoder state). */
  queryFeatures: number;
  /** Features of each key h_j (an encoder output). */
  keyFeatures: number;
  /** Width of the hidden tanh layer that scores a (query, key) pair. */
  attentionSize: number;
  /** Initializer of wQuery, wKey and v (default Glorot uniform; v is drawn as [A, 1]). */
  init?: Initializer;
  dtype?: DType;
}

/** Options of `additiveAttention.apply`. */
export interface AdditiveAttentionOptions {
  /** Values [B, S, Dv] averaged by the weights (default: the keys themselves). */
  values?: Tensor;
  /**
   * [B, S] (bool, or numbers where non-zero means real): which encoder positions may be attended
   * to. Masked positions get weight exactly 0. Every row needs at least one real position (a
   * fully masked row gets uniform weights).
   */
  mask?: Tensor;
  /**
   * `additiveAttention.projectKeys(params, keys)`, computed once outside a decoder loop: the key
   * projection does not change from one decoder step to the next.
   */
  projectedKeys?: Tensor;
}

/** What `additiveAttention.apply` returns. */
export interface AttentionResult {
  /** Σ_j weights[b, j] · values[b, j]: [B, Dv]. */
  context: Tensor;
  /** The attention distribution over encoder positions: [B, S], each row sums to 1. */
  weights: Tensor;
}

const shapeOf = (t: Tensor) => `[${t.shape.join(', ')}]`;

/**
 * Additive (Bahdanau) attention, Bahdanau, Cho & Bengio 2015: the score of encoder position j
 * for the query s is vᵀ tanh(s·W_s + h_j·W_h); the weights are the softmax of the scores over
 * the encoder positions (masked positions excluded) and the context is the weighted mean of the
 * values. `apply` is pure, so it works under grad, jit, vmap and inside a `scan` body.
 * @example
 * const att = additiveAttention.init(key, { queryFeatures: 64, keyFeatures: 128, attentionSize: 32 });
 * const keys = additiveAttention.projectKeys(att, encoderOutputs); // once, outside the decoder loop
 * const { context, weights } = additiveAttention.apply(att, state, encoderOutputs, { mask, projectedKeys: keys });
 */
export const additiveAttention = {
  /** Draws `{ wQuery: [Dq, A], wKey: [Dk, A], v: [A] }`. */
  init(key: Tensor, config: AdditiveAttentionConfig): AdditiveAttentionParams {
    checkConfig('additiveAttention.init', config, {
      sizes: ['queryFeatures', 'keyFeatures', 'attentionSize'],
      initializers: ['init'],
    });
    const { queryFeatures, keyFeatures, attentionSize, dtype = 'float32' } = config;
    const init = config.init ?? glorotUniform;
    const [kq, kk, kv] = random.split(key, 3);
    return {
      wQuery: init(kq, [queryFeatures, attentionSize], dtype),
      wKey: init(kk, [keyFeatures, attentionSize], dtype),
      v: init(kv, [attentionSize, 1], dtype).reshape([attentionSize]),
    };
  },

  /** keys [B, S, Dk] → h·W_h [B, S, A], to pass as `projectedKeys` to every decoder step. */
  projectKeys(params: AdditiveAttentionParams, keys: Tensor): Tensor {
    checkKeys('additiveAttention.projectKeys', params, keys);
    return keys.matmul(params.wKey);
  },

  /**
   * query [B, Dq], keys [B, S, Dk] → `{ context [B, Dv], weights [B, S] }` with
   * weights = softmax_j(vᵀ tanh(query·W_s + keys_j·W_h)) and context = Σ_j weights_j · values_j.
   */
  apply(
    params: AdditiveAttentionParams,
    query: Tensor,
    keys: Tensor,
    options: AdditiveAttentionOptions = {},
  ): AttentionResult {
    const op = 'additiveAttention.apply';
    checkKeys(op, params, keys);
    const [B, S] = keys.shape;
    const [Dq, A] = params.wQuery.shape;
    if (query.ndim !== 2 || query.shape[0] !== B || query.shape[1] !== Dq) {
      throw new ShapeError(
        `${op}: query has shape ${shapeOf(query)}; with keys ${shapeOf(keys)} and wQuery ` +
          `${shapeOf(params.wQuery)} it must be [B, queryFeatures] = [${B}, ${Dq}].`,
      );
    }
    if (params.v.ndim !== 1 || params.v.shape[0] !== A) {
      throw new ShapeError(
        `${op}: v has shape ${shapeOf(params.v)}; with wQuery ${shapeOf(params.wQuery)} it must be [${A}].`,
      );
    }
    const values = options.values ?? keys;
    if (values.ndim !== 3 || values.shape[0] !== B || values.shape[1] !== S) {
      throw new ShapeError(
        `${op}: values have shape ${shapeOf(values)}; with keys ${shapeOf(keys)} they must be ` +
          `[B, S, Dv] = [${B}, ${S}, Dv].`,
      );
    }
    const projected = options.projectedKeys ?? keys.matmul(params.wKey);
    if (projected.ndim !== 3 || projected.shape.some((d, i) => d !== [B, S, A][i])) {
      throw new ShapeError(
        `${op}: projectedKeys have shape ${shapeOf(projected)}; with keys ${shapeOf(keys)} and ` +
          `wKey ${shapeOf(params.wKey)} they must be [${B}, ${S}, ${A}] (use projectKeys).`,
      );
    }
    // [B, 1, A] + [B, S, A] → tanh → · v → [B, S].
    const hidden = tanh(projected.add(query.matmul(params.wQuery).reshape([B, 1, A])));
    const scores = hidden.matmul(params.v.reshape([A, 1])).reshape([B, S]);
    const mask = options.mask === undefined ? undefined : realPositions(op, options.mask, keys);
    const weights = maskedSoftmax(scores, mask);
    // [B, 1, S] · [B, S, Dv] → [B, 1, Dv].
    const context = weights.reshape([B, 1, S]).matmul(values).reshape([B, values.shape[2]]);
    return { context, weights };
  },
};

function checkKeys(op: string, params: AdditiveAttentionParams, keys: Tensor): void {
  const Dk = params.wKey.shape[0];
  if (keys.ndim !== 3 || keys.shape[2] !== Dk) {
    throw new ShapeError(
      `${op}: keys have shape ${shapeOf(keys)}; with wKey ${shapeOf(params.wKey)} they must be ` +
        `[B, S, keyFeatures] = [B, S, ${Dk}].`,
    );
  }
  if (params.wQuery.ndim !== 2 || params.wQuery.shape[1] !== params.wKey.shape[1]) {
    throw new ShapeError(
      `${op}: wQuery ${shapeOf(params.wQuery)} and wKey ${shapeOf(params.wKey)} must both be ` +
        '[features, attentionSize] with the same attentionSize.',
    );
  }
}

function realPositions(op: string, mask: Tensor, keys: Tensor): Tensor {
  const [B, S] = keys.shape;
  if (mask.ndim !== 2 || mask.shape[0] !== B || mask.shape[1] !== S) {
    throw new ShapeError(
      `${op}: mask has shape ${shapeOf(mask)}; with keys ${shapeOf(keys)} it must be [B, S] = [${B}, ${S}].`,
    );
  }
  return mask.dtype === 'bool' ? mask : mask.ne(0);
}
