// SPDX-License-Identifier: MIT
import { ShapeError } from '../errors.js';
import * as layout from '../kernels/layout.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { broadcastShapes, formatShape, type Shape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive, type UndefPrimal } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { moveAxis } from './batching.js';
import { reduceSum } from './reduce_sum.js';
import { reshape } from './reshape.js';

export interface BroadcastInDimParams {
  readonly [key: string]: unknown;
  readonly shape: Shape;
  /** Output axis of each input axis (increasing). */
  readonly broadcastDimensions: readonly number[];
}

/** Broadcasts `x` to `shape`, input axis i becoming output axis broadcastDimensions[i]. */
export const broadcastInDimPrim: Primitive<BroadcastInDimParams> =
  definePrimitive<BroadcastInDimParams>({
    name: 'broadcast_in_dim',
    abstractEval([x], { shape, broadcastDimensions: dims }) {
      const ok =
        dims.length === x.ndim &&
        dims.every((d, i) => d >= 0 && d < shape.length && (i === 0 || d > dims[i - 1])) &&
        dims.every((d, i) => x.shape[i] === 1 || x.shape[i] === shape[d]);
      if (!ok) {
        throw new ShapeError(
          `broadcast_in_dim: cannot broadcast ${x} to ${formatShape(shape)} with dimensions ` +
            `[${dims.join(',')}]; each input axis must map to an output axis of equal size (or be 1).`,
        );
      }
      return [new ShapedArray(shape, x.dtype)];
    },
    impl([x], { broadcastDimensions }, [out]) {
      const buffer = layout.broadcastInDim(
        x.buffer,
        x.shape,
        out.shape,
        broadcastDimensions,
        out.dtype,
      );
      return [new ConcreteTensor(buffer, out.shape)];
    },
    jvp([x], [t], params) {
      return [
        [bind1(broadcastInDimPrim, [x], params)],
        [t && bind1(broadcastInDimPrim, [t], params)],
      ];
    },
    transpose([ct], [x], { broadcastDimensions: dims }) {
      if (!ct) return [null];
      const inShape = (x as UndefPrimal).aval.shape;
      const kept = new Set(dims.filter((d, i) => inShape[i] === ct.shape[d]));
      const axes = ct.shape.map((_, i) => i).filter((i) => !kept.has(i));
      return [reshape(reduceSum(ct, axes), inShape)];
    },
    batch(size, [x], [d], { shape, broadcastDimensions: dims }) {
      const moved = moveAxis(x, d!, 0);
      return [
        [
          bind1(broadcastInDimPrim, [moved], {
            shape: [size, ...shape],
            broadcastDimensions: [0, ...dims.map((a) => a + 1)],
          }),
        ],
        [0],
      ];
    },
  });

/** numpy-style broadcast of `x` to `shape` (trailing axes aligned). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(
      `broadcastTo: target shape ${formatShape(shape)} must hold non-negative integers (broadcasting ${formatShape(x.shape)}).`,
    );
  }
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(target, shape)) {
    throw new ShapeError(
      `broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}.`,
    );
  }
  const offset = shape.length - x.ndim;
  return bind1(broadcastInDimPrim, [x], {
    shape: [...shape],
    broadcastDimensions: x.shape.map((_, i) => i + offset),
  });
}

/**
 * Sums `ct` down to `shape`: the transpose of numpy broadcasting. Every binary primitive's
 * transpose rule uses it for operands that were broadcast.
 */
export function unbroadcast(ct: Tensor, shape: Shape): Tensor {
  if (shapesEqual(ct.shape, shape)) return ct;
  const lead = ct.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < ct.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && ct.shape[i] !== 1)) axes.push(i);
  }
  return reshape(axes.length > 0 ? reduceSum(ct, axes) : ct, shape);
}
