// SPDX-License-Identifier: MIT
import { ShapeError } from '../errors.js';
import type { ShapedArray } from './aval.js';
import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

/**
 * An immutable n-dimensional array. Users only ever see this type: during a transformation the
 * same methods are served by tracers (subclasses that record or transform the computation), so
 * one function runs eagerly and under `grad`, `jit`, `scan` and `vmap` alike.
 *
 * Tensors are garbage-collected; there is no `dispose`. The fluent methods (`a.add(b)`) are
 * attached in `ops/methods.ts` and go through the same `bind` as the free functions.
 * @example
 * const a = tensor([[1, 2], [3, 4]]);
 * a.shape; // [2, 2]
 * a.add(1).mul(a).sum().item(); // 2 + 6 + 12 + 20 = 40
 * a.toArray(); // [[1, 2], [3, 4]]
 */
export abstract class Tensor {
  /** The tensor's type: shape and dtype. */
  abstract get aval(): ShapedArray;

  get shape(): Shape {
    return this.aval.shape;
  }

  get dtype(): DType {
    return this.aval.dtype;
  }

  get ndim(): number {
    return this.aval.shape.length;
  }

  get size(): number {
    return this.aval.size;
  }

  /**
   * The concrete values behind this tensor. Tracers throw a `ConcretizationError` explaining that
   * the value is abstract inside a transformation.
   */
  abstract concrete(reason: string): { readonly buffer: TypedArray };

  /** A fresh typed-array copy of the values, in row-major order. */
  data(): TypedArray {
    return this.concrete('data()').buffer.slice();
  }

  /** The values as nested JS arrays (booleans for bool tensors); a number for rank 0. */
  toArray(): NestedArray {
    const buffer = this.concrete('toArray()').buffer;
    return nest(buffer, this.shape, this.dtype === 'bool');
  }

  /** The single value of a size-1 tensor as a JS number (`0`/`1` for bool). */
  item(): number {
    const buffer = this.concrete('item()').buffer;
    if (buffer.length !== 1) {
      throw new ShapeError(
        `item(): the tensor has shape [${this.shape.join(',')}] (${buffer.length} elements); ` +
          'item() needs exactly one. Index or reduce it first.',
      );
    }
    return buffer[0];
  }

  /**
   * What `console.log` and `util.inspect` show in Node: the same text as `String(tensor)`, not
   * the internal fields. The symbol is global, so core needs no `node:util` import.
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

export type NestedArray = number | boolean | NestedArray[];

// Recursion depth is the rank (a handful), not the size, so plain recursion is safe here.
function nest(
  buffer: TypedArray,
  shape: Shape,
  asBool: boolean,
  offset = 0,
  axis = 0,
): NestedArray {
  if (axis === shape.length) return asBool ? buffer[offset] !== 0 : buffer[offset];
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  const out: NestedArray[] = [];
  for (let i = 0; i < shape[axis]; i++)
    out.push(nest(buffer, shape, asBool, offset + i * inner, axis + 1));
  return out;
}
