// SPDX-License-Identifier: MIT
import { DtypeError, ShapeError } from '../errors.js';
import { threefry2x32 } from '../kernels/threefry.js';
import { moveAxis, reshapeTo } from '../prims/batching.js';
import { concatenatePrim } from '../prims/concatenate.js';
import type { TensorLike } from '../prims/operands.js';
import { slicePrim } from '../prims/slice.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { scalar } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { checkKey } from './prims.js';

/** Row b of a tensor batched along axis 0 (its leading axis dropped). */
function row(x: Tensor, b: number): Tensor {
  const starts = x.shape.map((_, i) => (i === 0 ? b : 0));
  const limits = x.shape.map((d, i) => (i === 0 ? b + 1 : d));
  const steps = x.shape.map(() => 1);
  return reshapeTo(bind1(slicePrim, [x], { starts, limits, steps }), x.shape.slice(1));
}

/** A new key from a key and a 32-bit integer (threefry of the counter pair (0, data)). */
export const randomFoldInPrim: Primitive = definePrimitive({
  name: 'random_fold_in',
  abstractEval([key, data]) {
    checkKey('random.foldIn', key);
    if (data.dtype !== 'int32' || data.ndim !== 0) {
      throw new ShapeError(`random.foldIn: data must be an int32 scalar, got ${data}.`);
    }
    return [new ShapedArray([2], 'int32')];
  },
  impl([key, data]) {
    const [a, b] = threefry2x32(key.buffer[0] >>> 0, key.buffer[1] >>> 0, 0, data.buffer[0] >>> 0);
    return [new ConcreteTensor(new Int32Array([a | 0, b | 0]), [2])];
  },
  jvp([key, data]) {
    return [[bind1(randomFoldInPrim, [key, data], {})], [null]];
  },
  batch(size, [key, data], [dk, dd]) {
    // One fold per example: each must equal what its own key and data give alone.
    const keys = dk === null ? null : moveAxis(key, dk!, 0);
    const datas = dd === null ? null : moveAxis(data, dd!, 0);
    const outs = Array.from({ length: size }, (_, b) => {
      const out = bind1(
        randomFoldInPrim,
        [keys ? row(keys, b) : key, datas ? row(datas, b) : data],
        {},
      );
      return reshapeTo(out, [1, 2]);
    });
    return [[size === 1 ? outs[0] : bind1(concatenatePrim, outs, { axis: 0 })], [0]];
  },
});

/**
 * A new key from `key` and an integer `data` (a step number, an example index, a layer id), as
 * jax.random.fold_in: `foldIn(key, i)` for i = 0, 1, … gives independent keys without splitting
 * in a chain. `data` may be traced (an int32 scalar); numbers must be 32-bit integers.
 * @example const stepKey = random.foldIn(baseKey, step);
 */
export function foldIn(key: Tensor, data: TensorLike): Tensor {
  let d = data;
  if (typeof data === 'number') {
    if (!Number.isInteger(data) || data < -(2 ** 31) || data >= 2 ** 32) {
      throw new DtypeError(`random.foldIn: data must be a 32-bit integer, got ${data}.`);
    }
    d = scalar(data | 0, 'int32');
  }
  return bind1(randomFoldInPrim, [key, d as Tensor], {});
}
