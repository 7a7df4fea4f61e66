// SPDX-License-Identifier: MIT
// A fused elementwise kernel in wasm: one loop nest over the output, evaluating the expression
// tree per element. When the innermost loop is contiguous for the output and every read (or
// constant along it), and every operation has a SIMD form, it runs 4 (f32, i32) or 2 (f64)
// elements per step, with the remainder in scalar code that computes bitwise the same values.
import type { DType } from '../../tensor/dtype.js';
import { leavesOf, postOrder } from '../expr.js';
import { collapseLoops } from '../loops.js';
import { type ArrayValue, broadcastStrides, type ExprValue, type Value } from '../values.js';
import type { CodeWriter, Local } from './builder.js';
import { loadScalar, scalarConst, scalarType, storeScalar, vectorConst } from './dtypes.js';
import { emitOp, type OpContext, vectorizable } from './elementwise/index.js';
import { type Layout, pushAddress, type Vars } from './layout.js';
import { emitNest } from './nest.js';

export interface KernelContext {
  readonly w: CodeWriter;
  readonly layout: Layout;
  readonly vars: Vars;
  readonly ops: Omit<OpContext, 'w' | 'lanes'>;
}

const LANES: Record<DType, number> = { float32: 4, int32: 4, float64: 2, bool: 0 };

/** How many elements one SIMD step covers for this tree, or 1 if it must run scalar. */
function laneCount(order: readonly Value[], out: ArrayValue, innerStrides: number[][]): number {
  const memoryDtypes = [out.dtype, ...order.filter((v) => v.kind === 'array').map((v) => v.dtype)];
  const lanes = LANES[out.dtype];
  if (lanes === 0 || memoryDtypes.some((d) => LANES[d] !== lanes)) return 1;
  for (const v of order) {
    if (v.kind === 'lit' && v.dtype !== 'bool' && LANES[v.dtype] !== lanes) return 1;
    if (v.kind !== 'expr') continue;
    if (v.op.prim === 'dot_terms') {
      if (v.dtype === 'int32') return 1;
      continue;
    }
    const inDtypes = v.inputs.map((x) => x.dtype);
    if (!vectorizable(v.op.prim, v.op.params, inDtypes, v.dtype)) return 1;
  }
  // Output contiguous along the innermost loop; reads contiguous or constant along it.
  const [outInner, ...leafInner] = innerStrides.map((s) => s[s.length - 1]);
  if (outInner !== 1 || leafInner.some((s) => s !== 0 && s !== 1)) return 1;
  return lanes;
}

function emitDotTerms(w: CodeWriter, dtype: DType, vector: boolean, pairs: number): void {
  // Operands are on the stack as a0 b0 a1 b1 ...: fold products left to right through locals.
  const t = vector ? 'v128' : scalarType(dtype);
  const mul = vector ? (dtype === 'float64' ? 'f64x2.mul' : 'f32x4.mul') : `${t}.mul`;
  const add = vector ? (dtype === 'float64' ? 'f64x2.add' : 'f32x4.add') : `${t}.add`;
  const vals: Local[] = [];
  for (let i = 0; i < pairs * 2; i++) vals.push(w.local(t));
  for (let i = pairs * 2 - 1; i >= 0; i--) w.set(vals[i]);
  for (let i = 0; i < pairs; i++) {
    w.get(vals[2 * i])
      .get(vals[2 * i + 1])
      .op(mul as 'f32.mul');
    if (i > 0) w.op(add as 'f32.add');
  }
}

export function emitFused(k: KernelContext, root: Value, out: ArrayValue): void {
  const { w, layout, vars } = k;
  const order = postOrder(root);
  const leaves = leavesOf(root);
  const shape = out.shape;
  const leafStrides = leaves.map((l) => broadcastStrides(l, shape));
  const { sizes, strides } = collapseLoops(shape, [out.strides, ...leafStrides]);
  const lanes = laneCount(order, out, strides);
  const arrays = [out, ...leaves];
  const accesses = arrays.map((a, i) => {
    const addr = layout.address(a);
    const bytes = a.dtype === 'bool' ? 1 : a.dtype === 'float64' ? 8 : 4;
    return {
      base: (cw: CodeWriter) => pushAddress(cw, addr, vars),
      strides: strides[i].map((s) => s * bytes),
    };
  });
  const innerStride = (i: number) => {
    const s = strides[i];
    return s.length === 0 ? 0 : s[s.length - 1];
  };
  emitNest(w, sizes, accesses, lanes, (ptrs, vector) => {
    const value = emitElement(k, order, vector, (leaf) => {
      const i = leaves.indexOf(leaf) + 1;
      w.get(ptrs[i]);
      if (!vector) loadScalar(w, leaf.dtype);
      else if (innerStride(i) === 1) w.mem('v128.load', 0, 0);
      else w.mem(leaf.dtype === 'float64' ? 'v128.load64_splat' : 'v128.load32_splat');
    });
    w.get(ptrs[0]);
    w.get(value);
    if (vector) w.mem('v128.store', 0, 0);
    else storeScalar(w, out.dtype);
  });
}

/**
 * Evaluates an expression (`order`: its nodes, inputs first, root last) for one element, or
 * one SIMD step of elements when `vector`; `load` pushes a leaf's value. Returns the local
 * holding the root's value. The scalar form gives bitwise the values of the vector form.
 */
export function emitElement(
  k: KernelContext,
  order: readonly Value[],
  vector: boolean,
  load: (leaf: ArrayValue) => void,
): Local {
  const { w } = k;
  const ctx: OpContext = { ...k.ops, w, lanes: vector ? 'simd' : 'scalar' };
  const localOf = new Map<Value, Local>();
  for (const v of order) {
    if (localOf.has(v)) continue;
    const local = w.local(vector ? 'v128' : scalarType(v.dtype));
    if (v.kind === 'array') load(v);
    else if (v.kind === 'lit') {
      if (vector) vectorConst(w, v.dtype, v.value);
      else scalarConst(w, v.dtype, v.value);
    } else {
      for (const x of v.inputs) w.get(localOf.get(x)!);
      emitExpr(ctx, v, vector);
    }
    w.set(local);
    localOf.set(v, local);
  }
  return localOf.get(order[order.length - 1])!;
}

function emitExpr(ctx: OpContext, v: ExprValue, vector: boolean): void {
  if (v.op.prim === 'dot_terms') {
    emitDotTerms(ctx.w, v.dtype, vector, v.inputs.length / 2);
    return;
  }
  emitOp(
    ctx,
    v.op.prim,
    v.op.params,
    v.inputs.map((x) => x.dtype),
    v.dtype,
  );
}
