// SPDX-License-Identifier: MIT
import { ShapeError } from '../errors.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { formatShape, type Shape, shapesEqual, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive, type UndefPrimal } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { moveAxis, reshapeTo } from './batching.js';

export interface ReshapeParams {
  readonly [key: string]: unknown;
  readonly shape: Shape;
}

/** Reinterprets the row-major elements with a new shape; shares the buffer (no copy). */
export const reshapePrim: Primitive<ReshapeParams> = definePrimitive<ReshapeParams>({
  name: 'reshape',
  abstractEval([x], { shape }) {
    if (sizeOf(shape) !== x.size) {
      throw new ShapeError(
        `reshape: cannot reshape ${x} (${x.size} elements) to ${formatShape(shape)} ` +
          `(${sizeOf(shape)} elements).`,
      );
    }
    return [new ShapedArray(shape, x.dtype)];
  },
  impl([x], _, [out]) {
    return [new ConcreteTensor(x.buffer, out.shape)];
  },
  jvp([x], [t], params) {
    return [[reshape(x, params.shape)], [t && reshape(t, params.shape)]];
  },
  transpose([ct], [x]) {
    return [ct && reshape(ct, (x as UndefPrimal).aval.shape)];
  },
  batch(size, [x], [d], { shape }) {
    return [[reshapeTo(moveAxis(x, d!, 0), [size, ...shape])], [0]];
  },
});

/**
 * Gives `x` a new shape with the same number of elements; one dimension may be -1 (inferred).
 * @example reshape(arange(6), [2, -1])  // shape [2, 3]
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const inferred = inferShape(x.shape, shape);
  if (shapesEqual(inferred, x.shape)) return x;
  return bind1(reshapePrim, [x], { shape: inferred });
}

function inferShape(from: Shape, shape: Shape): number[] {
  if (!Array.isArray(shape)) {
    throw new ShapeError(
      `reshape: target shape ${String(shape)} must be an array of integers (e.g. [${String(shape)}]), reshaping ${formatShape(from)}.`,
    );
  }
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new ShapeError(
      `reshape: target shape ${formatShape(shape)} may hold non-negative integers and at most one -1.`,
    );
  }
  if (unknown === 0) return [...shape];
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = sizeOf(from);
  if (known === 0 || total % known !== 0) {
    throw new ShapeError(
      `reshape: cannot reshape ${formatShape(from)} (${total} elements) to ${formatShape(shape)}: ` +
        `${total} is not divisible by ${known}.`,
    );
  }
  return shape.map((d) => (d === -1 ? total / known : d));
}
