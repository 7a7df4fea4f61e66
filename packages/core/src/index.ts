// SPDX-License-Identifier: MIT
/**
 * `@loom/core`: immutable tensors, primitives traced into a typed IR, and composable
 * transformations (grad, vjp, jvp, jacobians) over pytrees.
 *
 * @module @loom/core
 */
// Types only (erased from the JavaScript): the declarations of the fluent methods (`x.add(y)`)
// live in ops/methods.ts. The methods themselves are installed by ConcreteTensor, so no
// side-effect import is needed, and none exists for a bundler to drop.

export { checkpoint } from './control/checkpoint.js';
export { cond } from './control/cond.js';
export { type ForiLoopOptions, foriLoop } from './control/fori_loop.js';
export { type MapOptions, map } from './control/map.js';
// Control flow.
export { type ScanOptions, scan } from './control/scan.js';
export { switchCase } from './control/switch_case.js';
export { whileLoop } from './control/while_loop.js';
export {
  type ConfigKey,
  type ConfigValues,
  config,
  debugNansEnabled,
} from './debug/config.js';
export * from './errors.js';
export { jaxprToDot } from './ir/dot.js';
export { evalJaxpr } from './ir/eval.js';
export { ClosedJaxpr, Jaxpr } from './ir/jaxpr.js';
export { makeJaxpr, type TracedProgram } from './ir/make_jaxpr.js';
export { printJaxpr } from './ir/print.js';
export { IRTypeError, typecheckJaxpr } from './ir/typecheck.js';
// Composite operations.
export {
  logSoftmax,
  logSumExp,
  relu,
  sigmoid,
  softmax,
  softplus,
  square,
} from './ops/activations.js';
export { associativeScan, type ScanAxisOptions } from './ops/associative_scan.js';
export { type ClipBounds, clip } from './ops/clip.js';
export { cummax, cumprod, cumsum } from './ops/cumulative.js';
export { dynamicSlice, dynamicUpdateSlice, type StartIndices } from './ops/dynamic_slice.js';
export { einsum } from './ops/einsum.js';
export { oneHot, where } from './ops/indexing.js';
export { dot, matmul } from './ops/linalg.js';
export { logAddExp } from './ops/log_add_exp.js';
export type {} from './ops/methods.js';
export { type PadOptions, type PadWidth, pad } from './ops/pad.js';
export { type Axis, max, mean, min, sum } from './ops/reductions.js';
export { repeat } from './ops/repeat.js';
export { concat, expandDims, squeeze, stack } from './ops/shape.js';
export {
  elu,
  type GeluOptions,
  gelu,
  leakyRelu,
  silu,
} from './ops/smooth_activations.js';
export { split } from './ops/split.js';
export { std, type VarianceOptions, variance } from './ops/statistics.js';
export { tile } from './ops/tile.js';
export { checkOptionKeys } from './options.js';
// Elementwise and structural operations (each is one primitive).
export { abs } from './prims/abs.js';
export { add } from './prims/add.js';
export { argmax, argmin } from './prims/argmax.js';
export { argsort } from './prims/argsort.js';
export { broadcastTo } from './prims/broadcast_in_dim.js';
export { eq, ge, gt, le, lt, ne } from './prims/comparisons.js';
export { concatenate } from './prims/concatenate.js';
export { astype } from './prims/convert_element_type.js';
export { cos } from './prims/cos.js';
export { div } from './prims/div.js';
export { type DotGeneralParams, dotGeneral } from './prims/dot_general.js';
export { erf } from './prims/erf.js';
export { exp } from './prims/exp.js';
export { maximum, minimum } from './prims/extrema.js';
export { isfinite, isinf, isnan } from './prims/float_predicates.js';
export { scatterAdd, take } from './prims/gather.js';
export { checkIndexRange } from './prims/index_range.js';
export { integerPow } from './prims/integer_pow.js';
export { iota } from './prims/iota.js';
export { log } from './prims/log.js';
export { log1p } from './prims/log1p.js';
export { logicalAnd, logicalNot, logicalOr, logicalXor } from './prims/logical.js';
export { logistic } from './prims/logistic.js';
export { mul } from './prims/mul.js';
export { neg } from './prims/neg.js';
export type { TensorLike } from './prims/operands.js';
export { pow } from './prims/pow.js';
export { reshape } from './prims/reshape.js';
export { flip } from './prims/rev.js';
export { ceil, floor, round, trunc } from './prims/rounding.js';
export { rsqrt } from './prims/rsqrt.js';
export { select } from './prims/select.js';
export { sign } from './prims/sign.js';
export { sin } from './prims/sin.js';
export { slice } from './prims/slice.js';
export { sqrt } from './prims/sqrt.js';
export { stopGradient } from './prims/stop_gradient.js';
export { sub } from './prims/sub.js';
export { tanh } from './prims/tanh.js';
export { transpose } from './prims/transpose.js';
// Randomness, sorting, Jacobians, testing.
export * as random from './random/index.js';
// Runtime: platform features and the thread count of wasm kernels.
export {
  getThreads,
  type RuntimeInfo,
  runtimeInfo,
  setThreads,
} from './runtime/threads.js';
export {
  allocationLimit,
  DEFAULT_ALLOCATION_LIMIT,
  setAllocationLimit,
} from './tensor/allocation_limit.js';
export { ShapedArray } from './tensor/aval.js';
export {
  arange,
  eye,
  full,
  linspace,
  ones,
  onesLike,
  scalar,
  type TensorData,
  type TensorOptions,
  tensor,
  zeros,
  zerosLike,
} from './tensor/create.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export type { Shape } from './tensor/shape.js';
export { type NestedArray, Tensor } from './tensor/tensor.js';
export { type CheckGradsOptions, checkGrads, GradientCheckError } from './testing/check_grads.js';
// Transformations and IR.
export { type GradOf, type GradOptions, grad, jvp, valueAndGrad, vjp } from './transforms/api.js';
export { customJvp } from './transforms/custom_jvp.js';
export { type CotangentsOf, customVjp } from './transforms/custom_vjp.js';
export {
  hessian,
  type JacobianFn,
  type JacobianOf,
  type JacobianOptions,
  jacfwd,
  jacrev,
} from './transforms/jacobian.js';
export {
  DEFAULT_JIT_CACHE_SIZE,
  DEFAULT_RETRACE_WARNING_THRESHOLD,
  type JitOptions,
  type Jitted,
  jit,
  type Lowered,
} from './transforms/jit.js';
export { linearize } from './transforms/linearize_api.js';
export {
  type SavedResidual,
  type SavedResidualsReport,
  savedResiduals,
} from './transforms/saved_residuals.js';
export { type VmapOptions, vmap } from './transforms/vmap.js';
// Pytrees.
export * as tree from './tree/index.js';
export type { MapLeaves, Tree, TreeDef } from './tree/tree.js';
