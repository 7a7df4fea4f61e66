// SPDX-License-Identifier: MIT
import { InvalidArgumentError } from '../errors.js';
import { reverse } from '../kernels/regions.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { normalizeAxes } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { shiftAxis } from './batching.js';

export interface RevParams {
  readonly [key: string]: unknown;
  /** The axes read backwards (sorted, distinct). */
  readonly dimensions: readonly number[];
}

/**
 * Reverses the order of elements along `dimensions` (JAX's `lax.rev`). It is linear and its own
 * transpose; jit lowers it to a view with negative strides, so a reversed read costs nothing.
 */
export const revPrim: Primitive<RevParams> = definePrimitive<RevParams>({
  name: 'rev',
  abstractEval([x], { dimensions }) {
    const ok =
      dimensions.every((d) => Number.isInteger(d) && d >= 0 && d < x.ndim) &&
      new Set(dimensions).size === dimensions.length;
    if (!ok) {
      throw new InvalidArgumentError(
        `rev (flip): axes [${dimensions}] must be distinct axes of ${x} (rank ${x.ndim}).`,
      );
    }
    return [new ShapedArray(x.shape, x.dtype)];
  },
  impl([x], { dimensions }, [out]) {
    return [new ConcreteTensor(reverse(x.buffer, x.shape, dimensions, out.dtype), out.shape)];
  },
  jvp([x], [t], params) {
    return [[bind1(revPrim, [x], params)], [t && bind1(revPrim, [t], params)]];
  },
  transpose([ct], _inputs, params) {
    return [ct && bind1(revPrim, [ct], params)];
  },
  batch(_size, [x], [d], { dimensions }) {
    const b = d!;
    return [[bind1(revPrim, [x], { dimensions: dimensions.map((a) => shiftAxis(a, b)) })], [b]];
  },
});

/**
 * Reverses `x` along `axis` (one axis, several, or every axis when omitted), as numpy's `flip`:
 * `flip(tensor([1, 2, 3]))` is `[3, 2, 1]`. Negative axes count from the end.
 */
export function flip(x: Tensor, axis?: number | readonly number[] | null): Tensor {
  const dimensions = normalizeAxes('flip', axis, x.shape).filter((a) => x.shape[a] > 1);
  if (dimensions.length === 0) return x;
  return bind1(revPrim, [x], { dimensions });
}
