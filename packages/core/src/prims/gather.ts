// SPDX-License-Identifier: MIT
// gather (take along one axis) and its transpose scatter_add: a linear pair, so each one's
// transpose rule is the other.
import { DtypeError, InvalidArgumentError } from '../errors.js';
import * as layout from '../kernels/layout.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { tensor } from '../tensor/create.js';
import { formatShape, normalizeAxis, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive, UndefPrimal } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';

export interface GatherParams {
  readonly [key: string]: unknown;
  readonly axis: number;
}

export interface ScatterAddParams extends GatherParams {
  /** Shape of the result (the operand that was gathered from). */
  readonly shape: Shape;
}

function checkIndices(op: string, indices: ShapedArray): void {
  if (indices.dtype !== 'int32') {
    throw new DtypeError(`${op}: indices ${indices} must be int32 (use astype(indices, 'int32')).`);
  }
}

function checkRange(op: string, indices: ConcreteTensor, size: number): void {
  const b = indices.buffer;
  for (let i = 0; i < b.length; i++) {
    if (b[i] < 0 || b[i] >= size) {
      throw new InvalidArgumentError(
        `${op}: index ${b[i]} at flat position ${i} is out of range for an axis of size ${size}.`,
      );
    }
  }
}

export const gatherPrim: Primitive<GatherParams> = definePrimitive<GatherParams>({
  name: 'gather',
  abstractEval([x, indices], { axis }) {
    checkIndices('take', indices);
    const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    return [new ShapedArray(shape, x.dtype)];
  },
  impl([x, indices], { axis }, [out]) {
    checkRange('take', indices, x.shape[axis]);
    return [
      new ConcreteTensor(
        layout.gather(x.buffer, x.shape, indices.buffer, axis, out.dtype),
        out.shape,
      ),
    ];
  },
  jvp([x, indices], [t], params) {
    return [
      [bind1(gatherPrim, [x, indices], params)],
      [t && bind1(gatherPrim, [t, indices], params)],
    ];
  },
  transpose([ct], [x, indices], { axis }) {
    if (!ct || !(x instanceof UndefPrimal)) return [null, null];
    return [bind1(scatterAddPrim, [ct, indices as Tensor], { axis, shape: x.aval.shape }), null];
  },
});

export const scatterAddPrim: Primitive<ScatterAddParams> = definePrimitive<ScatterAddParams>({
  name: 'scatter_add',
  abstractEval([updates, indices], { axis, shape }) {
    checkIndices('scatter_add', indices);
    const expected = [...shape.slice(0, axis), ...indices.shape, ...shape.slice(axis + 1)];
    if (formatShape(expected) !== formatShape(updates.shape)) {
      throw new InvalidArgumentError(
        `scatter_add: updates ${updates} should have shape ${formatShape(expected)} for indices ` +
          `${indices} into ${formatShape(shape)} along axis ${axis}.`,
      );
    }
    return [new ShapedArray(shape, updates.dtype)];
  },
  impl([updates, indices], { axis, shape }, [out]) {
    checkRange('scatter_add', indices, shape[axis]);
    return [
      new ConcreteTensor(
        layout.scatterAdd(updates.buffer, shape, indices.buffer, axis, out.dtype),
        shape,
      ),
    ];
  },
  jvp([u, indices], [t], params) {
    return [
      [bind1(scatterAddPrim, [u, indices], params)],
      [t && bind1(scatterAddPrim, [t, indices], params)],
    ];
  },
  transpose([ct], [u, indices], { axis }) {
    if (!ct || !(u instanceof UndefPrimal)) return [null, null];
    return [bind1(gatherPrim, [ct, indices as Tensor], { axis }), null];
  },
});

/**
 * Picks slices of `x` along `axis` at `indices` (an embedding lookup when axis is 0): the result
 * has shape x.shape[:axis] + indices.shape + x.shape[axis+1:].
 */
export function take(x: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor {
  const idx = Array.isArray(indices)
    ? tensor(indices as number[], { dtype: 'int32' })
    : (indices as Tensor);
  const ax = normalizeAxis('take', axis, x.ndim, x.shape);
  return bind1(gatherPrim, [x, idx], { axis: ax });
}

/** Adds slices of `updates` into zeros of `shape` at `indices` along `axis` (repeats add up). */
export function scatterAdd(updates: Tensor, indices: Tensor, shape: Shape, axis = 0): Tensor {
  const ax = normalizeAxis('scatterAdd', axis, shape.length, shape);
  return bind1(scatterAddPrim, [updates, indices], { axis: ax, shape: [...shape] });
}
