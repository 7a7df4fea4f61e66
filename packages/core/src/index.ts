// SPDX-License-Identifier: MIT
/**
 * @loom/core: immutable tensors, primitives traced into a typed IR, and composable
 * transformations (grad, vjp, jvp, jacobians) over pytrees.
 */
import './ops/methods.js';

export { checkpoint } from './control/checkpoint.js';
export { cond } from './control/cond.js';
export { foriLoop } from './control/fori_loop.js';
// Control flow.
export { type ScanOptions, scan } from './control/scan.js';
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
export { oneHot, where } from './ops/indexing.js';
export { dot, matmul } from './ops/linalg.js';
export { type Axis, max, mean, min, sum } from './ops/reductions.js';
export { concat, expandDims, squeeze, stack } from './ops/shape.js';
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
export { exp } from './prims/exp.js';
export { maximum, minimum } from './prims/extrema.js';
export { scatterAdd, take } from './prims/gather.js';
export { checkIndexRange } from './prims/index_range.js';
export { integerPow } from './prims/integer_pow.js';
export { iota } from './prims/iota.js';
export { log } from './prims/log.js';
export { log1p } from './prims/log1p.js';
export { logistic } from './prims/logistic.js';
export { mul } from './prims/mul.js';
export { neg } from './prims/neg.js';
export type { TensorLike } from './prims/operands.js';
export { pow } from './prims/pow.js';
export { reshape } from './prims/reshape.js';
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
export { hessian, jacfwd, jacrev } from './transforms/jacobian.js';
export {
  DEFAULT_JIT_CACHE_SIZE,
  DEFAULT_RETRACE_WARNING_THRESHOLD,
  type JitOptions,
  type Jitted,
  jit,
  type Lowered,
} from './transforms/jit.js';
export {
  type SavedResidual,
  type SavedResidualsReport,
  savedResiduals,
} from './transforms/saved_residuals.js';
export { type VmapOptions, vmap } from './transforms/vmap.js';
// Pytrees.
export * as tree from './tree/index.js';
export type { MapLeaves, Tree, TreeDef } from './tree/tree.js';
