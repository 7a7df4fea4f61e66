// SPDX-License-Identifier: MIT
import { ShapeError } from '../errors.js';
import * as layout from '../kernels/layout.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { formatShape, type Shape } from '../tensor/shape.js';
import { definePrimitive, type Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { insertAt } from './batching.js';
import { slicePrim } from './slice.js';

export interface PadParams {
  readonly [key: string]: unknown;
  /** The padded shape. */
  readonly shape: Shape;
  readonly starts: readonly number[];
  readonly steps: readonly number[];
}

/**
 * Zero padding: places `x` at starts + i·steps inside zeros of `shape`. It is the transpose of
 * `slice` (and slice is its transpose), which is all reverse mode needs.
 */
export const padPrim: Primitive<PadParams> = definePrimitive<PadParams>({
  name: 'pad',
  abstractEval([x], { shape, starts, steps }) {
    const fits = x.shape.every((d, i) => d === 0 || starts[i] + (d - 1) * steps[i] < shape[i]);
    if (shape.length !== x.ndim || !fits) {
      throw new ShapeError(
        `pad: ${x} placed at [${starts}] step [${steps}] does not fit ${formatShape(shape)}.`,
      );
    }
    return [new ShapedArray(shape, x.dtype)];
  },
  impl([x], { shape, starts, steps }, [out]) {
    return [
      new ConcreteTensor(layout.pad(x.buffer, x.shape, shape, starts, steps, out.dtype), shape),
    ];
  },
  jvp([x], [t], params) {
    return [[bind1(padPrim, [x], params)], [t && bind1(padPrim, [t], params)]];
  },
  transpose([ct], [x], { starts, steps }) {
    if (!ct) return [null];
    const inShape = (x as { aval: ShapedArray }).aval.shape;
    const limits = starts.map((s, i) => s + (inShape[i] - 1) * steps[i] + 1);
    return [
      bind1(slicePrim, [ct], {
        starts,
        limits: limits.map((l, i) => (inShape[i] === 0 ? starts[i] : l)),
        steps,
      }),
    ];
  },
  batch(size, [x], [d], { shape, starts, steps }) {
    const b = d!;
    const params = {
      shape: insertAt(shape, b, size),
      starts: insertAt(starts, b, 0),
      steps: insertAt(steps, b, 1),
    };
    return [[bind1(padPrim, [x], params)], [b]];
  },
});
