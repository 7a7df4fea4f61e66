// SPDX-License-Identifier: MIT
export {
  type AdamwOptions,
  adagrad,
  adam,
  adamw,
  type RmspropOptions,
  rmsprop,
  type SgdOptions,
  sgd,
} from './alias.js';
export { type AmsgradState, amsgrad, scaleByAmsgrad } from './amsgrad.js';
export { applyUpdates, chain, type GradientTransformation, type StateOf } from './base.js';
export { clipByGlobalNorm, clipByValue, globalNorm } from './clip.js';
export {
  type InjectHyperparamsState,
  injectHyperparams,
  type OptimizerFactory,
} from './inject_hyperparams.js';
export { expandMask, type Mask, type MaskTree, masked } from './masked.js';
export { type MultiStepsState, multiSteps } from './multi_steps.js';
export {
  type Labels,
  type LabelTree,
  type MultiTransformState,
  multiTransform,
} from './multi_transform.js';
export {
  type CosineDecayOptions,
  constantSchedule,
  cosineDecaySchedule,
  type ExponentialDecayOptions,
  exponentialDecay,
  linearSchedule,
  linearWarmup,
  type ScalarOrSchedule,
  type Schedule,
  type ScheduleFn,
  type WarmupCosineDecayOptions,
  warmupCosineDecaySchedule,
} from './schedule.js';
export { joinSchedules, piecewiseConstantSchedule } from './schedule_combinators.js';
export {
  type AdamState,
  addDecayedWeights,
  type CountState,
  type EmptyState,
  identity,
  type LrState,
  type ScaleByAdamOptions,
  type ScaleByRmsOptions,
  type ScaleByRssOptions,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  scaleByRms,
  scaleByRss,
  scaleBySchedule,
  scaleByStddev,
  setToZero,
  type TraceOptions,
  trace,
} from './transform.js';
