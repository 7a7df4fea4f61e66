// SPDX-License-Identifier: MIT
// Fluent methods on Tensor (`a.add(b).tanh()`). They call the same functions as the free-function
// API, so both styles go through `bind` and work under every transformation.
//
// They are installed by `ConcreteTensor`'s static initialiser (tensor/concrete.ts), not by a
// side-effect import: bundlers honour `"sideEffects": false` and drop modules imported only for
// their effects, which left `x.matmul` undefined in esbuild and Vite bundles. Every program that
// makes a tensor keeps `ConcreteTensor`, so it keeps this installer too.
import { abs } from '../prims/abs.js';
import { add } from '../prims/add.js';
import { argmax, argmin } from '../prims/argmax.js';
import { eq, ge, gt, le, lt, ne } from '../prims/comparisons.js';
import { astype } from '../prims/convert_element_type.js';
import { cos } from '../prims/cos.js';
import { div } from '../prims/div.js';
import { exp } from '../prims/exp.js';
import { maximum, minimum } from '../prims/extrema.js';
import { take } from '../prims/gather.js';
import { log } from '../prims/log.js';
import { log1p } from '../prims/log1p.js';
import { mul } from '../prims/mul.js';
import { neg } from '../prims/neg.js';
import type { TensorLike } from '../prims/operands.js';
import { pow } from '../prims/pow.js';
import { reshape } from '../prims/reshape.js';
import { ceil, floor, round, trunc } from '../prims/rounding.js';
import { sign } from '../prims/sign.js';
import { sin } from '../prims/sin.js';
import { slice } from '../prims/slice.js';
import { sqrt } from '../prims/sqrt.js';
import { stopGradient } from '../prims/stop_gradient.js';
import { sub } from '../prims/sub.js';
import { tanh } from '../prims/tanh.js';
import { transpose } from '../prims/transpose.js';
import type { DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { logSoftmax, relu, sigmoid, softmax, square } from './activations.js';
import type { ScanAxisOptions } from './associative_scan.js';
import { type ClipBounds, clip } from './clip.js';
import { cumprod, cumsum } from './cumulative.js';
import { matmul } from './linalg.js';
import { type Axis, max, mean, min, sum } from './reductions.js';
import { repeat } from './repeat.js';
import { expandDims, squeeze } from './shape.js';
import { std, type VarianceOptions, variance } from './statistics.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(other: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    log1p(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    abs(): Tensor;
    sign(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor;
    gt(other: TensorLike): Tensor;
    ge(other: TensorLike): Tensor;
    eq(other: TensorLike): Tensor;
    ne(other: TensorLike): Tensor;
    matmul(other: Tensor): Tensor;
    sum(axis?: Axis, keepdims?: boolean): Tensor;
    mean(axis?: Axis, keepdims?: boolean): Tensor;
    max(axis?: Axis, keepdims?: boolean): Tensor;
    min(axis?: Axis, keepdims?: boolean): Tensor;
    argmax(axis?: number): Tensor;
    argmin(axis?: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    reshape(shape: Shape): Tensor;
    transpose(permutation?: readonly number[]): Tensor;
    expandDims(axis: number): Tensor;
    squeeze(axis?: number | readonly number[]): Tensor;
    take(indices: Tensor | readonly number[], axis?: number): Tensor;
    slice(starts: readonly number[], limits: readonly number[], steps?: readonly number[]): Tensor;
    astype(dtype: DType): Tensor;
    stopGradient(): Tensor;
    clip(bounds: ClipBounds): Tensor;
    cumsum(options?: ScanAxisOptions): Tensor;
    cumprod(options?: ScanAxisOptions): Tensor;
    repeat(repeats: number | readonly number[], axis?: number): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    /** Rounds half to even, as numpy and JAX. */
    round(): Tensor;
    trunc(): Tensor;
    /** numpy's `x.var()` (`var` reads as a keyword in TypeScript code, so the long name). */
    variance(axis?: Axis, options?: VarianceOptions): Tensor;
    std(axis?: Axis, options?: VarianceOptions): Tensor;
  }
}

/**
 * Attaches the fluent methods to `Tensor.prototype` (idempotent). A hoisted function declaration
 * that reads no module-level binding of this file and whose method bodies read their imports only
 * when called: it is safe to run while the modules it imports are still being evaluated (the
 * import cycle through ConcreteTensor).
 */
export function installTensorMethods(): void {
  const proto = Tensor.prototype;
  if (Object.hasOwn(proto, 'stopGradient')) return;
  proto.add = function (o) {
    return add(this, o);
  };
  proto.sub = function (o) {
    return sub(this, o);
  };
  proto.mul = function (o) {
    return mul(this, o);
  };
  proto.div = function (o) {
    return div(this, o);
  };
  proto.pow = function (o) {
    return pow(this, o);
  };
  proto.neg = function () {
    return neg(this);
  };
  proto.exp = function () {
    return exp(this);
  };
  proto.log = function () {
    return log(this);
  };
  proto.log1p = function () {
    return log1p(this);
  };
  proto.tanh = function () {
    return tanh(this);
  };
  proto.sigmoid = function () {
    return sigmoid(this);
  };
  proto.relu = function () {
    return relu(this);
  };
  proto.sqrt = function () {
    return sqrt(this);
  };
  proto.square = function () {
    return square(this);
  };
  proto.abs = function () {
    return abs(this);
  };
  proto.sign = function () {
    return sign(this);
  };
  proto.sin = function () {
    return sin(this);
  };
  proto.cos = function () {
    return cos(this);
  };
  proto.maximum = function (o) {
    return maximum(this, o);
  };
  proto.minimum = function (o) {
    return minimum(this, o);
  };
  proto.lt = function (o) {
    return lt(this, o);
  };
  proto.le = function (o) {
    return le(this, o);
  };
  proto.gt = function (o) {
    return gt(this, o);
  };
  proto.ge = function (o) {
    return ge(this, o);
  };
  proto.eq = function (o) {
    return eq(this, o);
  };
  proto.ne = function (o) {
    return ne(this, o);
  };
  proto.matmul = function (o) {
    return matmul(this, o);
  };
  proto.sum = function (axis, keepdims) {
    return sum(this, axis, keepdims);
  };
  proto.mean = function (axis, keepdims) {
    return mean(this, axis, keepdims);
  };
  proto.max = function (axis, keepdims) {
    return max(this, axis, keepdims);
  };
  proto.min = function (axis, keepdims) {
    return min(this, axis, keepdims);
  };
  proto.argmax = function (axis) {
    return argmax(this, axis);
  };
  proto.argmin = function (axis) {
    return argmin(this, axis);
  };
  proto.softmax = function (axis) {
    return softmax(this, axis);
  };
  proto.logSoftmax = function (axis) {
    return logSoftmax(this, axis);
  };
  proto.reshape = function (shape) {
    return reshape(this, shape);
  };
  proto.transpose = function (perm) {
    return transpose(this, perm);
  };
  proto.expandDims = function (axis) {
    return expandDims(this, axis);
  };
  proto.squeeze = function (axis) {
    return squeeze(this, axis);
  };
  proto.take = function (indices, axis) {
    return take(this, indices, axis);
  };
  proto.slice = function (starts, limits, steps) {
    return slice(this, starts, limits, steps);
  };
  proto.astype = function (dtype) {
    return astype(this, dtype);
  };
  proto.stopGradient = function () {
    return stopGradient(this);
  };
  proto.clip = function (bounds) {
    return clip(this, bounds);
  };
  proto.cumsum = function (options) {
    return cumsum(this, options);
  };
  proto.cumprod = function (options) {
    return cumprod(this, options);
  };
  proto.repeat = function (repeats, axis) {
    return repeat(this, repeats, axis);
  };
  proto.floor = function () {
    return floor(this);
  };
  proto.ceil = function () {
    return ceil(this);
  };
  proto.round = function () {
    return round(this);
  };
  proto.trunc = function () {
    return trunc(this);
  };
  proto.variance = function (axis, options) {
    return variance(this, axis, options);
  };
  proto.std = function (axis, options) {
    return std(this, axis, options);
  };
}
