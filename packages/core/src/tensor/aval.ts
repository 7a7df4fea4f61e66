// SPDX-License-Identifier: MIT
import type { DType } from './dtype.js';
import { formatShape, type Shape, shapesEqual, sizeOf } from './shape.js';

const SHORT: Record<DType, string> = { float32: 'f32', float64: 'f64', int32: 'i32', bool: 'bool' };

/** An abstract value: what tracing knows of a tensor (its type), without its numbers. */
export class ShapedArray {
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
  ) {}

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  equals(other: ShapedArray): boolean {
    return this.dtype === other.dtype && shapesEqual(this.shape, other.shape);
  }

  /** The compact form used in IR listings and error messages, e.g. `f32[3,4]`. */
  toString(): string {
    return `${SHORT[this.dtype]}${formatShape(this.shape)}`;
  }
}
