// SPDX-License-Identifier: MIT
import { DtypeError, InvalidArgumentError } from '../errors.js';
import { scalar } from '../tensor/create.js';
import { type DType, isFloat, promoteTypes, weakDtype } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

/** A tensor or a JS number (numbers are weakly typed: they take the other operand's dtype). */
export type TensorLike = Tensor | number;

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a JS array (wrap it with tensor(...))';
  return typeof x;
}

export function checkOperand(op: string, x: unknown, position: string): asserts x is TensorLike {
  if (!(x instanceof Tensor) && typeof x !== 'number') {
    throw new InvalidArgumentError(
      `${op}: ${position} operand is ${describe(x)}; expected a Tensor or a number.`,
    );
  }
}

/**
 * Brings operands to one dtype (numpy-style promotion; JS numbers are weak), optionally at least
 * `floor` (e.g. float32 for exp of an int tensor). Conversion goes through `convert`, so it is
 * traced like any other operation.
 */
export function unifyOperands(
  op: string,
  operands: readonly unknown[],
  convert: (x: Tensor, dtype: DType) => Tensor,
  floor?: DType,
): Tensor[] {
  operands.forEach((x, i) => {
    checkOperand(op, x, operands.length === 1 ? 'the' : ordinal(i));
  });
  const tensors = operands.filter(isTensor);
  let dtype: DType | undefined = tensors.length > 0 ? tensors[0].dtype : undefined;
  for (const t of tensors) dtype = promoteTypes(dtype!, t.dtype);
  if (dtype === undefined) {
    const numbers = operands as number[];
    dtype = numbers.every(Number.isInteger) ? 'int32' : 'float32';
    if (floor) dtype = promoteTypes(dtype, floor);
  }
  for (const x of operands)
    if (typeof x === 'number') dtype = promoteTypes(dtype, weakDtype(x, dtype));
  if (floor) dtype = promoteTypes(dtype, floor);
  const target = dtype;
  return operands.map((x) =>
    typeof x === 'number'
      ? scalar(x, target)
      : (x as Tensor).dtype === target
        ? (x as Tensor)
        : convert(x as Tensor, target),
  );
}

function ordinal(i: number): string {
  return ['first', 'second', 'third'][i] ?? `#${i + 1}`;
}

export function requireFloat(op: string, dtype: DType): void {
  if (!isFloat(dtype)) {
    throw new DtypeError(`${op}: needs a floating dtype (float32 or float64) but got ${dtype}.`);
  }
}
