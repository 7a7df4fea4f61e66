// SPDX-License-Identifier: MIT
import type { ShapedArray } from '../tensor/aval.js';
import type { ConcreteTensor } from '../tensor/concrete.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/** Static metadata of one primitive application (axes, shapes, dtypes, inner programs). */
export type Params = Readonly<Record<string, unknown>>;

/** Marks a linear input of an equation while transposing: only its type is known. */
export class UndefPrimal {
  constructor(readonly aval: ShapedArray) {}
}

/** Tangents and cotangents may be symbolic zeros, written `null`, so no zero arrays are built. */
export type MaybeZero = Tensor | null;

export type JvpRule<P> = (
  primals: Tensor[],
  tangents: MaybeZero[],
  params: P,
) => [Tensor[], MaybeZero[]];

export type TransposeRule<P> = (
  cotangents: MaybeZero[],
  inputs: (Tensor | UndefPrimal)[],
  params: P,
) => MaybeZero[];

/** `dims[i]` is the batch axis of `args[i]`, or null when that argument is not batched. */
export type BatchRule<P> = (
  axisSize: number,
  args: Tensor[],
  dims: (number | null)[],
  params: P,
) => [Tensor[], (number | null)[]];

/**
 * A primitive: the unit that every transformation has a rule for. Each lives in one file under
 * `prims/` (or `control/` for higher-order ones) with all its rules side by side.
 */
export interface Primitive<P extends Params = Params> {
  readonly name: string;
  /** Shape/dtype rule. Throws ShapeError/DtypeError naming the op and operand types. */
  abstractEval(inputs: ShapedArray[], params: P): ShapedArray[];
  /** Eager evaluation on concrete inputs; `outs` is what abstractEval returned. */
  impl(inputs: ConcreteTensor[], params: P, outs: ShapedArray[]): ConcreteTensor[];
  jvp?(primals: Tensor[], tangents: MaybeZero[], params: P): [Tensor[], MaybeZero[]];
  /** Present only on primitives that are linear in some of their inputs. */
  transpose?(cotangents: MaybeZero[], inputs: (Tensor | UndefPrimal)[], params: P): MaybeZero[];
  batch?(
    axisSize: number,
    args: Tensor[],
    dims: (number | null)[],
    params: P,
  ): [Tensor[], (number | null)[]];
  /** Parameters as they appear in an IR listing; defaults to a compact JSON-like form. */
  printParams?(params: P): string;
  /**
   * Elementwise primitives only: the per-element JS expression over x, y, z for a given output
   * dtype. The eager kernels and jit's code generator both build on it, so they cannot disagree.
   */
  elementwiseExpr?(params: P, outDtype: DType): string;
  /** Extra hooks of higher-order primitives (partial evaluation, inner programs). */
  readonly higherOrder?: HigherOrderHooks<P>;
}

/** Implemented by scan/cond/while/jit; typed loosely here to keep `trace/` below `ir/`. */
export interface HigherOrderHooks<P> {
  /** The inner programs, for printing, DOT export and typechecking. */
  innerPrograms(params: P): { name: string; program: unknown }[];
  /** Trace-time partial evaluation (known/unknown split), used by linearize. */
  partialEval?: unknown;
  /** Jaxpr-level partial evaluation of one equation (for nested higher-order primitives). */
  partialEvalJaxpr?: unknown;
}

/** Defines a primitive; a typed identity that keeps the record's rules checked against `P`. */
export function definePrimitive<P extends Params>(prim: Primitive<P>): Primitive<P> {
  return prim;
}
