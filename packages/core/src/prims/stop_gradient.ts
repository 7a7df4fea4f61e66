// SPDX-License-Identifier: MIT
import { ConcreteTensor } from '../tensor/concrete.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';

/** Identity whose derivative is zero: blocks gradients without changing values. */
export const stopGradientPrim: Primitive = definePrimitive({
  name: 'stop_gradient',
  abstractEval([x]) {
    return [x];
  },
  impl([x]) {
    return [new ConcreteTensor(x.buffer, x.shape)];
  },
  jvp([x]) {
    return [[bind1(stopGradientPrim, [x], {})], [null]];
  },
  batch(_size, [x], [d]) {
    return [[bind1(stopGradientPrim, [x], {})], [d]];
  },
});

/** Returns `x` unchanged, but treats it as a constant for differentiation. */
export function stopGradient(x: Tensor): Tensor {
  return bind1(stopGradientPrim, [x], {});
}
