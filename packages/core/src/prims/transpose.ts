// SPDX-License-Identifier: MIT
import { ShapeError } from '../errors.js';
import * as layout from '../kernels/layout.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { invertPermutation, isPermutation } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { shiftAxis } from './batching.js';

export interface TransposeParams {
  readonly [key: string]: unknown;
  readonly permutation: readonly number[];
}

/** Output axis i is input axis permutation[i]. */
export const transposePrim: Primitive<TransposeParams> = definePrimitive<TransposeParams>({
  name: 'transpose',
  abstractEval([x], { permutation }) {
    if (!isPermutation(permutation, x.ndim)) {
      throw new ShapeError(
        `transpose: [${permutation.join(',')}] is not a permutation of the ${x.ndim} axes of ${x}.`,
      );
    }
    return [
      new ShapedArray(
        permutation.map((p) => x.shape[p]),
        x.dtype,
      ),
    ];
  },
  impl([x], { permutation }, [out]) {
    return [
      new ConcreteTensor(layout.transpose(x.buffer, x.shape, permutation, out.dtype), out.shape),
    ];
  },
  jvp([x], [t], params) {
    return [[bind1(transposePrim, [x], params)], [t && bind1(transposePrim, [t], params)]];
  },
  transpose([ct], _, { permutation }) {
    return [ct && transpose(ct, invertPermutation(permutation))];
  },
  batch(_size, [x], [d], { permutation }) {
    // Keep the batch axis where it is; permute the other axes around it.
    const b = d!;
    const full = permutation.map((p) => shiftAxis(p, b));
    full.splice(b, 0, b);
    return [[bind1(transposePrim, [x], { permutation: full })], [b]];
  },
});

/** Permutes the axes of `x`; reverses them when `permutation` is omitted (like numpy). */
export function transpose(x: Tensor, permutation?: readonly number[]): Tensor {
  const perm = permutation ?? x.shape.map((_, i) => x.ndim - 1 - i);
  if (perm.every((p, i) => p === i) && perm.length === x.ndim) return x;
  return bind1(transposePrim, [x], { permutation: [...perm] });
}
