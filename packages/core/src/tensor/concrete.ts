// SPDX-License-Identifier: MIT

import { installTensorMethods } from '../ops/methods.js';
import { ShapedArray } from './aval.js';
import type { TypedArray } from './dtype.js';
import { dtypeOfArray } from './dtype.js';
import { formatTensor } from './format.js';
import type { Shape } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * A tensor with numbers behind it. The buffer is never written after construction, which is what
 * lets `reshape` and friends share it without copying.
 */
let created = 0;

/** How many concrete tensors exist so far: tells values made during a call from older ones. */
export function creationCount(): number {
  return created;
}

export class ConcreteTensor extends Tensor {
  // Part of the class, so no bundler can keep the class and drop the fluent methods (which a
  // side-effect import of ops/methods.ts allowed under `"sideEffects": false`).
  static {
    installTensorMethods();
  }

  readonly #aval: ShapedArray;
  /** Creation order, used by `savedResiduals` to tell new residuals from pre-existing values. */
  readonly serial = created++;

  /** `aval`, when given, must describe `buffer` (jit passes the one its program declares). */
  constructor(
    readonly buffer: TypedArray,
    shape: Shape,
    aval?: ShapedArray,
  ) {
    super();
    this.#aval = aval ?? new ShapedArray(shape, dtypeOfArray(buffer));
  }

  get aval(): ShapedArray {
    return this.#aval;
  }

  concrete(): { readonly buffer: TypedArray } {
    return this;
  }

  /** numpy-like: `Tensor(float32[2,2]) [[1., 2.],` / `[3., 4.]]`, see `formatTensor`. */
  override toString(): string {
    return formatTensor(this.buffer, this.shape, this.dtype);
  }
}
