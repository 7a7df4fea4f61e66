// SPDX-License-Identifier: MIT
import { DtypeError, ShapeError } from '../errors.js';
import { dynamicSlicePrim, dynamicUpdateSlicePrim } from '../prims/dynamic_slice.js';
import { reshape } from '../prims/reshape.js';
import { slice } from '../prims/slice.js';
import { scalar } from '../tensor/create.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { bind1 } from '../trace/trace.js';

/** Start indices: one per axis, as numbers or int32 scalars, or one int32 vector of them. */
export type StartIndices = Tensor | readonly (Tensor | number)[];

function vectorStarts(op: string, starts: Tensor): Tensor[] {
  if (starts.dtype !== 'int32' || starts.ndim !== 1) {
    throw new DtypeError(
      `${op}: start indices ${starts.aval} must be an int32 vector (or a list of scalars).`,
    );
  }
  return Array.from({ length: starts.shape[0] }, (_, i) =>
    reshape(slice(starts, [i], [i + 1]), []),
  );
}

function listStarts(op: string, starts: readonly (Tensor | number)[]): Tensor[] {
  return starts.map((s, i) => {
    if (s instanceof Tensor) return s;
    if (!Number.isInteger(s)) {
      throw new DtypeError(`${op}: start index ${i} is ${s}; starts must be integers.`);
    }
    return scalar(s, 'int32');
  });
}

/** One int32 scalar tensor per axis of `x`. */
function startScalars(op: string, x: Tensor, starts: StartIndices): Tensor[] {
  const list = starts instanceof Tensor ? vectorStarts(op, starts) : listStarts(op, starts);
  if (list.length !== x.ndim) {
    throw new ShapeError(
      `${op}: ${formatShape(x.shape)} needs ${x.ndim} start indices (one per axis), got ` +
        `${list.length}.`,
    );
  }
  return list;
}

/**
 * The window of shape `sizes` of `x` starting at `startIndices`, which may be traced values
 * (under jit, vmap or grad), as JAX's `lax.dynamic_slice`. Starts are clamped into
 * [0, dim - size] per axis, so the window never leaves `x`:
 * `dynamicSlice(tensor([1, 2, 3, 4]), [3], [2])` is `[3, 4]`.
 */
export function dynamicSlice(
  x: Tensor,
  startIndices: StartIndices,
  sizes: readonly number[],
): Tensor {
  const starts = startScalars('dynamicSlice', x, startIndices);
  return bind1(dynamicSlicePrim, [x, ...starts], { sizes: [...sizes] });
}

/**
 * `x` with the window at `startIndices` replaced by `update` (of x's rank and dtype), as JAX's
 * `lax.dynamic_update_slice`; starts may be traced and are clamped so the window fits:
 * `dynamicUpdateSlice(zeros([4]), ones([2]), [1])` is `[0, 1, 1, 0]`.
 */
export function dynamicUpdateSlice(x: Tensor, update: Tensor, startIndices: StartIndices): Tensor {
  const starts = startScalars('dynamicUpdateSlice', x, startIndices);
  if (update.ndim !== x.ndim) {
    throw new ShapeError(
      `dynamicUpdateSlice: update ${formatShape(update.shape)} must have the rank of the ` +
        `operand ${formatShape(x.shape)}.`,
    );
  }
  return bind1(dynamicUpdateSlicePrim, [x, update, ...starts], {});
}
