// SPDX-License-Identifier: MIT
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { ConcreteTensor } from './concrete.js';
import { allocate, castScalar, type DType, isDType, type TypedArray } from './dtype.js';
import { formatShape, type Shape, sizeOf } from './shape.js';
import type { NestedArray, Tensor } from './tensor.js';

/** What `tensor()` accepts: a number, a boolean, nested arrays of them, or a typed array. */
export type TensorData = NestedArray | TypedArray | readonly TensorData[];

export interface TensorOptions {
  dtype?: DType;
  shape?: Shape;
}

function checkDtype(op: string, dtype: unknown): DType {
  if (!isDType(dtype)) {
    throw new InvalidArgumentError(
      `${op}: unknown dtype ${JSON.stringify(dtype)}; use float32, float64, int32 or bool.`,
    );
  }
  return dtype;
}

function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidArgumentError(
      `${op}: shape ${JSON.stringify(shape)} must be an array of non-negative integers.`,
    );
  }
}

/** Flattens nested arrays iteratively, checking that they are rectangular. */
function flattenNested(data: TensorData): { values: number[]; shape: number[]; bool: boolean } {
  const shape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values: number[] = [];
  let bool = shape.length > 0 || typeof data === 'boolean';
  const stack: [unknown, number, string][] = [[data, 0, '']];
  while (stack.length > 0) {
    const [node, depth, path] = stack.pop()!;
    if (depth === shape.length) {
      if (typeof node === 'boolean') values.push(node ? 1 : 0);
      else if (typeof node === 'number') {
        values.push(node);
        bool = false;
      } else {
        throw new InvalidArgumentError(
          `tensor: element at ${path || 'top'} is ${Array.isArray(node) ? 'an array' : typeof node}; ` +
            `expected a number or boolean at depth ${depth} of a rectangular nested array.`,
        );
      }
      continue;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new ShapeError(
        `tensor: ragged nested array: ${path || 'top'} has ${
          Array.isArray(node) ? `length ${node.length}` : 'no array'
        } where length ${shape[depth]} was expected (inferred shape ${formatShape(shape)}).`,
      );
    }
    for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], depth + 1, `${path}[${i}]`]);
  }
  if (values.length === 0) bool = false;
  return { values, shape, bool };
}

function inferTypedDtype(a: TypedArray): DType {
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'float32';
}

/**
 * Creates a tensor from nested arrays or a typed array.
 * @example tensor([[1, 2], [3, 4]])            // float32[2,2]
 * @example tensor(new Float64Array(6), { shape: [2, 3] })
 */
export function tensor(data: TensorData, options: TensorOptions = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const typed = data as TypedArray;
    const dtype = checkDtype('tensor', options.dtype ?? inferTypedDtype(typed));
    const shape = options.shape ?? [typed.length];
    checkShape('tensor', shape);
    if (sizeOf(shape) !== typed.length) {
      throw new ShapeError(
        `tensor: a typed array of ${typed.length} elements cannot have shape ${formatShape(shape)} ` +
          `(${sizeOf(shape)} elements).`,
      );
    }
    const buffer = allocate(dtype, typed.length, 'tensor', shape);
    for (let i = 0; i < typed.length; i++) buffer[i] = castScalar(typed[i], dtype);
    return new ConcreteTensor(buffer, [...shape]);
  }
  const { values, shape: inferred, bool } = flattenNested(data);
  const dtype = checkDtype('tensor', options.dtype ?? (bool ? 'bool' : 'float32'));
  let shape: Shape = inferred;
  if (options.shape) {
    checkShape('tensor', options.shape);
    if (sizeOf(options.shape) !== values.length) {
      throw new ShapeError(
        `tensor: data with ${values.length} elements (shape ${formatShape(inferred)}) cannot ` +
          `take shape ${formatShape(options.shape)} (${sizeOf(options.shape)} elements).`,
      );
    }
    shape = [...options.shape];
  }
  const buffer = allocate(dtype, values.length, 'tensor', shape);
  for (let i = 0; i < values.length; i++) buffer[i] = castScalar(values[i], dtype);
  return new ConcreteTensor(buffer, shape);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  return filled('full', shape, value, dtype);
}

function filled(op: string, shape: Shape, value: number, dtype: DType): Tensor {
  checkShape(op, shape);
  const buffer = allocate(checkDtype(op, dtype), sizeOf(shape), op, shape);
  if (value !== 0) buffer.fill(castScalar(value, dtype));
  return new ConcreteTensor(buffer, [...shape]);
}

export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}

export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}

/** Zeros with the shape and dtype of `x` (works on tracers too: only the type is read). */
export function zerosLike(x: Tensor): Tensor {
  return full(x.shape, 0, x.dtype);
}

export function onesLike(x: Tensor): Tensor {
  return full(x.shape, 1, x.dtype);
}

/** Evenly spaced values in [start, stop), like numpy's arange. `arange(n)` counts from 0. */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step)) {
    throw new InvalidArgumentError(`arange: step must be a finite non-zero number, got ${step}.`);
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dt = dtype ?? ([start, stop, step].every(Number.isInteger) ? 'int32' : 'float32');
  const buffer = allocate(checkDtype('arange', dt), n, 'arange');
  for (let i = 0; i < n; i++) buffer[i] = castScalar(start + i * step, dt);
  return new ConcreteTensor(buffer, [n]);
}

/** `num` evenly spaced values from start to stop inclusive. */
export function linspace(
  start: number,
  stop: number,
  num: number,
  dtype: DType = 'float32',
): Tensor {
  if (!Number.isInteger(num) || num < 0) {
    throw new InvalidArgumentError(`linspace: num must be a non-negative integer, got ${num}.`);
  }
  const buffer = allocate(checkDtype('linspace', dtype), num, 'linspace');
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) buffer[i] = castScalar(start + i * step, dtype);
  return new ConcreteTensor(buffer, [num]);
}

/** The n×m identity matrix (m defaults to n). */
export function eye(n: number, m: number = n, dtype: DType = 'float32'): Tensor {
  checkShape('eye', [n, m]);
  const buffer = allocate(checkDtype('eye', dtype), n * m, 'eye', [n, m]);
  for (let i = 0; i < Math.min(n, m); i++) buffer[i * m + i] = 1;
  return new ConcreteTensor(buffer, [n, m]);
}

/** A scalar tensor holding `x` as `dtype`. Used to turn JS numbers into operands. */
export function scalar(x: number, dtype: DType = 'float32'): Tensor {
  const buffer = allocate(dtype, 1);
  buffer[0] = castScalar(x, dtype);
  return new ConcreteTensor(buffer, []);
}
