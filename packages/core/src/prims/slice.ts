// SPDX-License-Identifier: MIT
import { ShapeError } from '../errors.js';
import * as layout from '../kernels/layout.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive, type UndefPrimal } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { insertAt } from './batching.js';
import { padPrim } from './pad.js';

export interface SliceParams {
  readonly [key: string]: unknown;
  readonly starts: readonly number[];
  readonly limits: readonly number[];
  readonly steps: readonly number[];
}

/** A static strided window x[starts:limits:steps] along every axis. */
export const slicePrim: Primitive<SliceParams> = definePrimitive<SliceParams>({
  name: 'slice',
  abstractEval([x], { starts, limits, steps }) {
    const ok =
      starts.length === x.ndim &&
      limits.length === x.ndim &&
      steps.length === x.ndim &&
      starts.every(
        (s, i) =>
          [s, limits[i], steps[i]].every(Number.isInteger) &&
          s >= 0 &&
          s <= limits[i] &&
          limits[i] <= x.shape[i] &&
          steps[i] >= 1,
      );
    if (!ok) {
      throw new ShapeError(
        `slice: window [${starts}]..[${limits}] step [${steps}] does not fit ${x}; each axis needs ` +
          'integers with 0 ≤ start ≤ limit ≤ size and step ≥ 1.',
      );
    }
    const shape = starts.map((s, i) => Math.max(0, Math.ceil((limits[i] - s) / steps[i])));
    return [new ShapedArray(shape, x.dtype)];
  },
  impl([x], { starts, limits, steps }, [out]) {
    const buffer = layout.slice(x.buffer, x.shape, starts, limits, steps, out.dtype);
    return [new ConcreteTensor(buffer, out.shape)];
  },
  jvp([x], [t], params) {
    return [[bind1(slicePrim, [x], params)], [t && bind1(slicePrim, [t], params)]];
  },
  transpose([ct], [x], { starts, steps }) {
    if (!ct) return [null];
    return [bind1(padPrim, [ct], { shape: (x as UndefPrimal).aval.shape, starts, steps })];
  },
  batch(size, [x], [d], { starts, limits, steps }) {
    const b = d!;
    const params = {
      starts: insertAt(starts, b, 0),
      limits: insertAt(limits, b, size),
      steps: insertAt(steps, b, 1),
    };
    return [[bind1(slicePrim, [x], params)], [b]];
  },
});

/**
 * Static slice along every axis: `slice(x, [0, 2], [3, 5])` is x[0:3, 2:5]; `steps` defaults to 1.
 */
export function slice(
  x: Tensor,
  starts: readonly number[],
  limits: readonly number[],
  steps?: readonly number[],
): Tensor {
  const st = steps ?? starts.map(() => 1);
  if (
    starts.every((s, i) => s === 0 && limits[i] === x.shape[i] && st[i] === 1) &&
    starts.length === x.ndim
  ) {
    return x;
  }
  return bind1(slicePrim, [x], { starts: [...starts], limits: [...limits], steps: [...st] });
}
