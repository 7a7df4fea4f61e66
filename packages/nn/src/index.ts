// SPDX-License-Identifier: MIT
/**
 * `@loom/nn`: layers, recurrent cells, sequence layers over `scan`, initializers, losses,
 * optax-style optimizers, metrics, safetensors checkpoints and structural tree edits, all as
 * pure functions over parameter pytrees. Browser-safe; file helpers live in `@loom/nn/node`.
 *
 * @module @loom/nn
 */

export type { Cell, CellConfig } from './cells/cell.js';
export { type GruConfig, type GruParams, gruCell } from './cells/gru.js';
export { type LstmCarry, type LstmConfig, type LstmParams, lstmCell } from './cells/lstm.js';
export {
  irnn,
  makeRnnCell,
  type RnnCellOptions,
  type RnnConfig,
  type RnnParams,
  rnnCell,
} from './cells/rnn.js';
export * from './checkpoint/index.js';
export * as initializers from './init/index.js';
export type { Initializer } from './init/initializer.js';
export {
  type ActivationName,
  activation,
  elu,
  gelu,
  leakyRelu,
  logSoftmax,
  relu,
  sigmoid,
  silu,
  softmax,
  softplus,
  tanh,
} from './layers/activations.js';
export {
  type AdditiveAttentionConfig,
  type AdditiveAttentionOptions,
  type AdditiveAttentionParams,
  type AttentionResult,
  additiveAttention,
} from './layers/additive_attention.js';
export {
  type AttentionOptions,
  dotProductAttention,
  type HeadProjection,
  type MultiHeadAttentionConfig,
  type MultiHeadAttentionParams,
  multiHeadAttention,
} from './layers/attention.js';
export { type DropoutOptions, dropout } from './layers/dropout.js';
export { type EmbeddingConfig, type EmbeddingParams, embedding } from './layers/embedding.js';
export { type LinearConfig, type LinearParams, linear } from './layers/linear.js';
export {
  layerNorm,
  type NormConfig,
  type NormOptions,
  type NormParams,
  rmsNorm,
} from './layers/normalization.js';
export {
  type BinaryCrossEntropyOptions,
  binaryCrossEntropy,
  sigmoidBinaryCrossEntropy,
} from './losses/binary.js';
export { type LossOptions, type Reduction, reduceLoss } from './losses/reduce.js';
export { mse, sumSquaredError } from './losses/regression.js';
export { softmaxCrossEntropy, sparseSoftmaxCrossEntropy } from './losses/softmax.js';
export { accuracy, type ThresholdOptions } from './metrics/accuracy.js';
export { exactMatch } from './metrics/exact_match.js';
export * from './optim/index.js';
export {
  bidirectional,
  bidirectionalInit,
  type Directions,
} from './sequence/bidirectional.js';
export { rnn, type SequenceOptions, type SequenceResult } from './sequence/rnn.js';
export { stacked, stackedInit } from './sequence/stacked.js';
export {
  combine,
  countParams,
  getSubtree,
  type LeafPredicate,
  leafLabels,
  partition,
  replaceSubtree,
  type TreePath,
  trainableMask,
} from './tree_edit.js';
