// SPDX-License-Identifier: MIT
import { checkIndexRange, type DType, DtypeError, type Tensor, take } from '@loom/core';
import { normal } from '../init/basic.js';
import type { Initializer } from '../init/initializer.js';
import { checkConfig } from '../validate.js';

/** Parameters of an embedding: one row of `table` [numEmbeddings, features] per token id. */
export interface EmbeddingParams {
  readonly table: Tensor;
}

/** Static configuration of an embedding. */
export interface EmbeddingConfig {
  numEmbeddings: number;
  features: number;
  /** Table initializer (default N(0, 1), as PyTorch's nn.Embedding). */
  init?: Initializer;
  dtype?: DType;
}

/**
 * A lookup table: ids (int32, any shape) → their rows. The gradient of the lookup is a
 * scatter-add into the table, so repeated ids accumulate.
 * @example
 * const params = embedding.init(random.key(0), { numEmbeddings: 10, features: 4 });
 * const rows = embedding.apply(params, tensor([[1, 2, 3]], { dtype: 'int32' })); // [1, 3, 4]
 */
export const embedding = {
  /** Draws `{ table: [numEmbeddings, features] }`. */
  init(key: Tensor, config: EmbeddingConfig): EmbeddingParams {
    checkConfig('embedding.init', config, {
      sizes: ['numEmbeddings', 'features'],
      initializers: ['init'],
    });
    const { numEmbeddings, features, dtype = 'float32' } = config;
    return { table: (config.init ?? normal(1))(key, [numEmbeddings, features], dtype) };
  },
  /** ids [...] (int32) → [..., features]. */
  apply(params: EmbeddingParams, ids: Tensor): Tensor {
    if (ids.dtype !== 'int32') {
      throw new DtypeError(
        `embedding.apply: ids have dtype ${ids.dtype}; they must be int32 token ids (use astype).`,
      );
    }
    // Named here so the error points at the layer; traced ids out of range give NaN rows.
    checkIndexRange('embedding.apply', ids, params.table.shape[0], 'id');
    return take(params.table, ids, 0);
  },
};
