// SPDX-License-Identifier: MIT
// One emitter per elementwise primitive, in SIMD and scalar form, for the wasm lowering's fused
// loops. Operands are on the wasm stack (pushed in order); the emitter consumes them and pushes
// the result. Value layouts: see context.ts (`Lanes`).
import { DtypeError, InvalidArgumentError } from '../../../errors.js';
import type { DType } from '../../../tensor/dtype.js';
import {
  emitAbs,
  emitBinary,
  emitDiv,
  emitExtremum,
  emitNeg,
  emitSign,
  isNumeric,
} from './arith.js';
import { type Comparison, emitComparison, emitSelect } from './compare_select.js';
import type { OpContext } from './context.js';
import { conversionVectorizable, emitConvert } from './convert.js';
import { emitErf } from './erf.js';
import { emitFloatUnary, emitPow, type FloatUnary } from './float_math.js';
import { emitIntegerPow } from './integer_pow.js';
import {
  emitFloatPredicate,
  emitLogical,
  type FloatPredicate,
  type Logical,
} from './predicates_logic.js';
import { emitRounding, type Rounding } from './rounding.js';

export type { HostMathName, Lanes, OpContext } from './context.js';

type Kind =
  | 'numeric'
  | 'float'
  | 'compare'
  | 'select'
  | 'convert'
  | 'rounding'
  | 'float_predicate'
  | 'logical'
  | 'erf';

const PRIMS: Record<string, Kind> = {
  abs: 'numeric',
  add: 'numeric',
  sub: 'numeric',
  mul: 'numeric',
  div: 'numeric',
  neg: 'numeric',
  sign: 'numeric',
  max: 'numeric',
  min: 'numeric',
  integer_pow: 'numeric',
  pow: 'float',
  sqrt: 'float',
  rsqrt: 'float',
  exp: 'float',
  log: 'float',
  log1p: 'float',
  logistic: 'float',
  tanh: 'float',
  sin: 'float',
  cos: 'float',
  eq: 'compare',
  ne: 'compare',
  lt: 'compare',
  le: 'compare',
  gt: 'compare',
  ge: 'compare',
  select: 'select',
  convert_element_type: 'convert',
  floor: 'rounding',
  ceil: 'rounding',
  round: 'rounding',
  trunc: 'rounding',
  is_nan: 'float_predicate',
  is_inf: 'float_predicate',
  is_finite: 'float_predicate',
  logical_and: 'logical',
  logical_or: 'logical',
  logical_xor: 'logical',
  logical_not: 'logical',
  erf: 'erf',
};

/** The primitives `emitOp` knows. */
export const ELEMENTWISE_PRIMS: readonly string[] = Object.keys(PRIMS);

function describe(prim: string, inDtypes: readonly DType[], outDtype: DType): string {
  return `wasm elementwise ${prim}(${inDtypes.join(', ')}) → ${outDtype}`;
}

/** The dtype the operation computes in (select: its branches; comparisons: their operands). */
function operandDtype(prim: string, inDtypes: readonly DType[]): DType {
  return prim === 'select' ? inDtypes[1] : inDtypes[0];
}

/**
 * Pushes `prim(operands)` for operands already on the stack. Throws InvalidArgumentError for a
 * primitive without an emitter and DtypeError for dtypes the primitive does not accept (or a SIMD
 * form `vectorizable` rejects).
 */
export function emitOp(
  ctx: OpContext,
  prim: string,
  params: Record<string, unknown>,
  inDtypes: DType[],
  outDtype: DType,
): void {
  const kind = PRIMS[prim];
  if (!kind) {
    throw new InvalidArgumentError(
      `wasm elementwise: no emitter for primitive ${JSON.stringify(prim)}; known: ${ELEMENTWISE_PRIMS.join(', ')}.`,
    );
  }
  if (ctx.lanes === 'simd' && !vectorizable(prim, params, inDtypes, outDtype)) {
    throw new DtypeError(
      `${describe(prim, inDtypes, outDtype)} has no SIMD form; emit it in a scalar loop.`,
    );
  }
  const dtype = operandDtype(prim, inDtypes);
  const badDtype = (want: string) =>
    new DtypeError(`${describe(prim, inDtypes, outDtype)}: operands must be ${want}.`);
  switch (kind) {
    case 'numeric': {
      if (!isNumeric(dtype)) throw badDtype('float32, float64 or int32');
      if (prim === 'add' || prim === 'sub' || prim === 'mul') emitBinary(ctx, prim, dtype);
      else if (prim === 'div') emitDiv(ctx, dtype);
      else if (prim === 'neg') emitNeg(ctx, dtype);
      else if (prim === 'abs') emitAbs(ctx, dtype);
      else if (prim === 'sign') emitSign(ctx, dtype);
      else if (prim === 'max' || prim === 'min') emitExtremum(ctx, prim, dtype);
      else emitIntegerPow(ctx, Number(params.y), dtype);
      return;
    }
    case 'float': {
      if (dtype !== 'float32' && dtype !== 'float64') throw badDtype('float32 or float64');
      if (prim === 'pow') emitPow(ctx, dtype);
      else emitFloatUnary(ctx, prim as FloatUnary, dtype);
      return;
    }
    case 'compare':
      emitComparison(ctx, prim as Comparison, dtype);
      return;
    case 'select':
      if (inDtypes[0] !== 'bool') throw badDtype('(bool, T, T)');
      emitSelect(ctx, dtype);
      return;
    case 'convert':
      emitConvert(ctx, inDtypes[0], (params.dtype as DType | undefined) ?? outDtype);
      return;
    case 'rounding':
    case 'float_predicate':
    case 'erf':
      if (dtype !== 'float32' && dtype !== 'float64') throw badDtype('float32 or float64');
      if (kind === 'rounding') emitRounding(ctx, prim as Rounding, dtype);
      else if (kind === 'float_predicate') emitFloatPredicate(ctx, prim as FloatPredicate, dtype);
      else emitErf(ctx, dtype);
      return;
    case 'logical':
      if (inDtypes.some((d) => d !== 'bool')) throw badDtype('bool');
      emitLogical(ctx, prim as Logical);
      return;
  }
}

/**
 * Whether `emitOp` has a SIMD form for this operation. A SIMD loop holds 4 lanes (float32,
 * int32, bool as i32x4 masks) or, when any of its values is float64, 2 lanes (float64 as f64x2,
 * bool as i64x2 masks from float64 comparisons). An operation that mixes float64 with float32 or
 * int32 would change the lane count, so it is not vectorizable; the caller picks a tree's lane
 * count (2 if any value in it is float64, else 4) and runs trees with such operations scalar.
 * Bool-only operations work on either mask width. pow, and float64 transcendentals, are
 * vectorizable but call the host per lane.
 */
export function vectorizable(
  prim: string,
  params: Record<string, unknown>,
  inDtypes: DType[],
  outDtype: DType,
): boolean {
  if (!(prim in PRIMS)) return false;
  if (prim === 'convert_element_type') {
    return conversionVectorizable(inDtypes[0], (params.dtype as DType | undefined) ?? outDtype);
  }
  const all = [...inDtypes, outDtype];
  const hasF64 = all.includes('float64');
  return !(hasF64 && all.some((d) => d === 'float32' || d === 'int32'));
}
