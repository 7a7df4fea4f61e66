// SPDX-License-Identifier: MIT
/**
 * `@loom/datasets`: seeded, validated generators and loaders for the classic RNN tasks.
 * Everything here is browser-safe; reading files by path lives in `@loom/datasets/node`.
 *
 * @module @loom/datasets
 */
export {
  type Batch,
  type BatchConfig,
  type Batches,
  type BatchOptions,
  batches,
  type EpochStep,
  validateBatchData,
  validateBatchOptions,
} from './batches.js';
export {
  type AdditionBatch,
  type AdditionExample,
  type AdditionPair,
  type AdditionSplitSizes,
  type BinaryAddition,
  type BinaryAdditionOptions,
  binaryAddition,
  encodeAdditionPairs,
  fromBits,
  MAX_CODEC_BITS,
  toBits,
  validateBinaryAdditionOptions,
} from './binary_addition.js';
export {
  type CharCorpus,
  type CharCorpusOptions,
  charCorpus,
  validateWindowOptions,
  type WindowOptions,
} from './char_corpus.js';
export {
  type CharCorpusSplit,
  type CharSplitOptions,
  charCorpusSplit,
  DEFAULT_HELD_OUT_FRACTION,
  heldOutLength,
  MIN_HELD_OUT_CHARACTERS,
  minimumSplitLength,
} from './char_split.js';
export {
  CharTextError,
  type CharTextProblem,
  CONTROL_CHARACTER_LIMIT,
  checkCharText,
  decodeCharText,
  firstInvalidUtf8Offset,
  type TextSource,
} from './char_text.js';
export {
  type CalendarDate,
  DATE_FORMATS,
  DATE_PAD_ID,
  DATE_START_ID,
  type DateBatch,
  type DateFormatName,
  type DatePair,
  type DateSplitSizes,
  type DateTranslation,
  type DateTranslationOptions,
  dateTranslation,
  formatDate,
  ISO_DATE_LENGTH,
  isoDate,
  validateDateTranslationOptions,
} from './dates.js';
export {
  DEFAULT_CORPUS_LENGTH,
  type DefaultCorpusOptions,
  defaultCorpus,
  validateDefaultCorpusOptions,
} from './default_corpus.js';
export { DatasetError } from './errors.js';
export {
  encodeIdx,
  gunzip,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  type IdxArray,
  type IdxSequenceOptions,
  type IdxSequences,
  idxToSequences,
  isGzip,
  type PixelLayout,
  parseIdx,
  parseIdxPair,
  parseIdxUncompressed,
} from './idx.js';
export { deriveSeed, permutation, type Rng, splitmix32 } from './prng.js';
export {
  SINE_SQUARE_CLASSES,
  type SineSquare,
  type SineSquareConfig,
  type SineSquareOptions,
  type SineSquareSplit,
  sineSquare,
  sineSquareBase,
  validateSineSquareOptions,
} from './sine_square.js';
export { orThrow, type Validation } from './validate.js';
