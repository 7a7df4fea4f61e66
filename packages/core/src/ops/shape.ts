// SPDX-License-Identifier: MIT
import { DtypeError, InvalidArgumentError, ShapeError } from '../errors.js';
import { concatenate } from '../prims/concatenate.js';
import { reshape } from '../prims/reshape.js';
import { formatShape, normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** Inserts a size-1 axis at `axis` (which may be negative, counted in the result's axes). */
export function expandDims(x: Tensor, axis: number): Tensor {
  const ax = normalizeAxis('expandDims', axis, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)]);
}

/** Removes size-1 axes: the given ones (each must have size 1), or all of them. */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  const axes =
    axis === undefined
      ? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))
      : normalizeAxes('squeeze', axis, x.shape);
  for (const a of axes) {
    if (x.shape[a] !== 1) {
      throw new ShapeError(
        `squeeze: axis ${a} of ${formatShape(x.shape)} has size ${x.shape[a]}, not 1.`,
      );
    }
  }
  return reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

/** Joins tensors of equal shape along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new InvalidArgumentError('stack: needs at least one tensor.');
  const first = tensors[0].shape;
  tensors.forEach((t, i) => {
    if (formatShape(t.shape) !== formatShape(first)) {
      throw new ShapeError(
        `stack: tensor ${i} has shape ${formatShape(t.shape)} but tensor 0 has ${formatShape(first)}; all must match.`,
      );
    }
    if (t.dtype !== tensors[0].dtype) {
      throw new DtypeError(
        `stack: tensor ${i} has dtype ${t.dtype} but tensor 0 has ${tensors[0].dtype}; convert them with astype first.`,
      );
    }
  });
  const ax = normalizeAxis('stack', axis, first.length + 1);
  return concatenate(
    tensors.map((t) => expandDims(t, ax)),
    ax,
  );
}

/** Joins tensors along an existing axis (numpy's concatenate). */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  return concatenate(tensors, axis);
}
