// SPDX-License-Identifier: MIT
import { DtypeError } from '../errors.js';
import { elementwiseKernel } from '../kernels/elementwise.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { allocate, type DType, isFloat } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { BatchRule, JvpRule, Params, Primitive, TransposeRule } from '../trace/primitive.js';
import { elementwiseBatch } from './batching.js';

export type DtypeClass = 'float' | 'numeric' | 'bool' | 'any';

const WANT: Record<Exclude<DtypeClass, 'any'>, string> = {
  float: 'a floating dtype',
  numeric: 'a numeric dtype (not bool)',
  bool: 'dtype bool',
};

function checkClass(name: string, cls: DtypeClass, avals: ShapedArray[]): void {
  for (const a of avals) {
    if (cls === 'any') continue;
    const ok =
      cls === 'float' ? isFloat(a.dtype) : cls === 'bool' ? a.dtype === 'bool' : a.dtype !== 'bool';
    if (!ok) {
      const want = WANT[cls];
      throw new DtypeError(`${name}: operand ${a} has dtype ${a.dtype}; ${want} is required.`);
    }
  }
}

interface ElementwiseSpec<P extends Params> {
  name: string;
  arity: number;
  /** A JS expression over x, y, z (and params baked in via `exprOf`). */
  expr?: string;
  exprOf?: (params: P) => string;
  /**
   * Expression used instead when the result is int32, where `expr` would round the double result
   * before the int32 store wraps it (e.g. `Math.imul(x, y)` for an exact wrapping product).
   */
  int32ExprOf?: (params: P) => string;
  accepts: DtypeClass;
  /** Output dtype when it differs from the inputs' (comparisons give bool). */
  outDtype?: DType;
  jvp?: JvpRule<P>;
  transpose?: TransposeRule<P>;
  batch?: BatchRule<P>;
  /** Which operand positions must share the dtype (select's predicate is exempt). */
  sameDtype?: readonly number[];
}

/**
 * Defines an elementwise primitive with numpy broadcasting: its shape rule, its dtype rule and a
 * generated kernel. Broadcasting lives inside the primitive (rather than as separate broadcast
 * equations) so eager code does not materialise broadcast copies; transpose rules undo it with
 * `unbroadcast`.
 */
export function defineElementwise<P extends Params = Params>(
  spec: ElementwiseSpec<P>,
): Primitive<P> {
  const kernels = new Map<string, ReturnType<typeof elementwiseKernel>>();
  const exprFor = (params: P, dtype: DType) =>
    dtype === 'int32' && spec.int32ExprOf
      ? spec.int32ExprOf(params)
      : spec.exprOf
        ? spec.exprOf(params)
        : spec.expr!;
  const kernelFor = (params: P, dtype: DType) => {
    const expr = exprFor(params, dtype);
    let k = kernels.get(expr);
    if (!k) {
      k = elementwiseKernel(spec.arity, expr);
      kernels.set(expr, k);
    }
    return k;
  };
  const same = spec.sameDtype ?? Array.from({ length: spec.arity }, (_, i) => i);
  const prim: Primitive<P> = {
    name: spec.name,
    abstractEval(inputs) {
      checkClass(
        spec.name,
        spec.accepts,
        same.map((i) => inputs[i]),
      );
      const dtypes = same.map((i) => inputs[i].dtype);
      if (dtypes.some((d) => d !== dtypes[0])) {
        throw new DtypeError(
          `${spec.name}: operands have different dtypes (${same.map((i) => inputs[i]).join(', ')}); ` +
            'convert one with astype so they match.',
        );
      }
      const shape =
        inputs.length === 1
          ? inputs[0].shape
          : broadcastShapes(spec.name, ...inputs.map((a) => a.shape));
      return [new ShapedArray(shape, spec.outDtype ?? dtypes[0])];
    },
    impl(inputs, params, [out]) {
      const buffer = allocate(out.dtype, out.size);
      kernelFor(params, out.dtype)(inputs, buffer, out.shape);
      return [new ConcreteTensor(buffer, out.shape)];
    },
    elementwiseExpr: exprFor,
    jvp: spec.jvp,
    transpose: spec.transpose,
    // One rule serves every elementwise primitive: align batch axes, then bind once.
    batch:
      spec.batch ??
      ((size, args, dims, params) => elementwiseBatch(prim as Primitive, size, args, dims, params)),
  };
  return prim;
}

import type { MaybeZero } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { astype } from './convert_element_type.js';
import { unifyOperands } from './operands.js';

/** Promotes operands (numbers are weak) and binds an elementwise primitive. */
export function applyElementwise(
  prim: Primitive,
  op: string,
  operands: readonly unknown[],
  floor?: DType,
  params: Params = {},
): Tensor {
  return bind1(prim, unifyOperands(op, operands, astype, floor), params);
}

/** Adds tangents where either may be a symbolic zero (null). */
export function addTangents(
  a: MaybeZero,
  b: MaybeZero,
  add: (x: Tensor, y: Tensor) => Tensor,
): MaybeZero {
  if (!a) return b;
  if (!b) return a;
  return add(a, b);
}
