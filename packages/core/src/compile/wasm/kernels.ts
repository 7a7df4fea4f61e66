// SPDX-License-Identifier: MIT
// Kernels other than fused elementwise loops: copies, fills, reductions, contractions that are
// not GEMM-shaped, and calls back into JavaScript for primitives without a wasm form.
import type { DotGeneralParams } from '../../prims/dot_general.js';
import { type DType, itemSize } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import { leavesOf, postOrder } from '../expr.js';
import { collapseLoops } from '../loops.js';
import {
  type ArrayValue,
  broadcastStrides,
  type ExprValue,
  isContiguous,
  type Value,
} from '../values.js';
import type { CodeWriter, FuncRef, Local } from './builder.js';
import { loadScalar, scalarConst, storeScalar, vectorConst } from './dtypes.js';
import { emitElement, type KernelContext } from './fused.js';
import { type Address, pushAddress, UnsupportedInWasm } from './layout.js';
import { emitNest, type NestAccess, type NestBody } from './nest.js';

function access(k: KernelContext, a: ArrayValue, strides: readonly number[]): NestAccess {
  const addr = k.layout.address(a);
  const bytes = itemSize(a.dtype);
  return {
    base: (w) => pushAddress(w, addr, k.vars),
    strides: strides.map((s) => s * bytes),
  };
}

export function emitCopy(k: KernelContext, src: ArrayValue, dst: ArrayValue): void {
  const { w } = k;
  if (src.dtype !== dst.dtype) throw new UnsupportedInWasm('a copy between dtypes');
  const n = sizeOf(dst.shape);
  if (n === 0) return;
  if (isContiguous(src) && isContiguous(dst)) {
    pushAddress(w, k.layout.address(dst), k.vars);
    pushAddress(w, k.layout.address(src), k.vars);
    w.i32(n * itemSize(dst.dtype)).memoryCopy();
    return;
  }
  const { sizes, strides } = collapseLoops(dst.shape, [dst.strides, src.strides]);
  const lanes =
    dst.dtype === 'bool'
      ? 1
      : strides[0][strides[0].length - 1] === 1 && strides[1][strides[1].length - 1] === 1
        ? 16 / itemSize(dst.dtype)
        : 1;
  emitNest(
    w,
    sizes,
    [access(k, dst, strides[0]), access(k, src, strides[1])],
    lanes,
    copyElement(w, dst.dtype),
  );
}

export function emitFill(k: KernelContext, value: number, dst: ArrayValue): void {
  const { w } = k;
  const { sizes, strides } = collapseLoops(dst.shape, [dst.strides]);
  const contiguousInner = strides[0][strides[0].length - 1] === 1;
  const lanes = dst.dtype === 'bool' || !contiguousInner ? 1 : 16 / itemSize(dst.dtype);
  emitNest(w, sizes, [access(k, dst, strides[0])], lanes, storeConstant(w, dst.dtype, value));
}

/** The body of a fill nest: `value` stored at the pointer (16 bytes of it in a vector step). */
export function storeConstant(w: CodeWriter, dtype: DType, value: number): NestBody {
  return ([d], vector) => {
    w.get(d);
    if (vector) {
      vectorConst(w, dtype, value);
      w.mem('v128.store', 0, 0);
    } else {
      scalarConst(w, dtype, value);
      storeScalar(w, dtype);
    }
  };
}

/** Pushes an element of `dtype` at the pointer as the accumulator type (f64 for floats). */
function loadWide(w: CodeWriter, ptr: Local, dtype: DType): void {
  w.get(ptr);
  loadScalar(w, dtype);
  if (dtype === 'float32') w.op('f64.promote_f32');
  else if (dtype === 'int32') w.op('f64.convert_i32_s');
}

/** Stores an f64 accumulator as a float `dtype` (int32 sums stay in i32 and never come here). */
function storeNarrow(w: CodeWriter, dtype: DType): void {
  if (dtype === 'float32') w.op('f32.demote_f64');
  storeScalar(w, dtype);
}

/** Outputs a float sum over a contiguous kept axis computes at once (4 f64x2 accumulators). */
const SUM_GROUP = 8;

/**
 * Reductions accumulate in f64 (as the JavaScript lowering does, in doubles) one output at a
 * time, the reduced axes innermost in the input's own order; int32 sums wrap in i32. A float
 * sum whose kept axis is contiguous (a bias gradient: sum over [T, B] of [T, B, H]) runs
 * SUM_GROUP outputs at a time in f64x2 lanes, so each strided input row is read once per group
 * rather than once per output; each output still adds the same values in the same order.
 * An elementwise input (the x·x of a sum of squares) is evaluated per element in the loop, to
 * bitwise the values a fused kernel would have stored, so no pass writes and re-reads it.
 */
export function emitReduce(
  k: KernelContext,
  op: 'sum' | 'max' | 'min',
  x: ArrayValue | ExprValue,
  axes: readonly number[],
  out: ArrayValue,
): void {
  const { w } = k;
  if (x.dtype === 'bool') throw new UnsupportedInWasm('reductions over bool');
  const int = x.dtype === 'int32';
  if (int && op !== 'sum') throw new UnsupportedInWasm('int32 max/min reductions');
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const order = postOrder(x);
  const leaves = leavesOf(x);
  const leafStrides = leaves.map((l) => broadcastStrides(l, x.shape));
  const inner = collapseLoops(
    axes.map((d) => x.shape[d]),
    leafStrides.map((s) => axes.map((d) => s[d])),
  );
  const reducedSize = axes.reduce((n, d) => n * x.shape[d], 1);
  const outer = collapseLoops(
    kept.map((d) => x.shape[d]),
    [out.strides, ...leafStrides.map((s) => kept.map((d) => s[d]))],
  );
  const acc = w.local(int ? 'i32' : 'f64');
  const innermost = (s: readonly number[]) => s[s.length - 1];
  const grouped =
    op === 'sum' &&
    !int &&
    x.kind === 'array' &&
    reducedSize > 0 &&
    outer.sizes.length > 0 &&
    innermost(outer.strides[0]) === 1 &&
    innermost(outer.strides[1]) === 1;
  const accs = grouped ? Array.from({ length: SUM_GROUP / 2 }, () => w.local('v128')) : [];
  const innerAccesses = (starts: readonly Local[]): NestAccess[] =>
    leaves.map((leaf, i) => ({
      base: (cw) => cw.get(starts[i]),
      strides: inner.strides[i].map((s) => s * itemSize(leaf.dtype)),
    }));
  // Pushes the element at the leaf pointers as the accumulator's type (i32, or f64).
  const pushElement = (ptrs: readonly Local[]) => {
    const value = emitElement(k, order, false, (leaf) => {
      w.get(ptrs[leaves.indexOf(leaf)]);
      loadScalar(w, leaf.dtype);
    });
    w.get(value);
    if (x.dtype === 'float32') w.op('f64.promote_f32');
  };
  const sumGroup = (o: Local, xp: Local) => {
    for (const a of accs) w.f64x2(0).set(a);
    emitNest(w, inner.sizes, innerAccesses([xp]), 1, ([p]) => {
      accs.forEach((a, q) => {
        w.get(a).get(p);
        if (x.dtype === 'float32') w.mem('v128.load64_zero', 8 * q).op('f64x2.promote_low_f32x4');
        else w.mem('v128.load', 16 * q);
        w.op('f64x2.add').set(a);
      });
    });
    accs.forEach((a, q) => {
      for (const lane of [0, 1]) {
        w.get(o).get(a).lane('f64x2.extract_lane', lane);
        if (x.dtype === 'float32') w.op('f32.demote_f64').mem('f32.store', 4 * (2 * q + lane));
        else w.mem('f64.store', 8 * (2 * q + lane));
      }
    });
  };
  emitNest(
    w,
    outer.sizes,
    [access(k, out, outer.strides[0]), ...leaves.map((l, i) => access(k, l, outer.strides[i + 1]))],
    grouped ? SUM_GROUP : 1,
    ([o, ...starts], group) => {
      if (group) {
        sumGroup(o, starts[0]);
        return;
      }
      if (int) w.i32(0).set(acc);
      else w.f64(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity).set(acc);
      if (reducedSize > 0) {
        emitNest(w, inner.sizes, innerAccesses(starts), 1, (ptrs) => {
          if (op === 'sum') {
            w.get(acc);
            pushElement(ptrs);
            w.op(int ? 'i32.add' : 'f64.add').set(acc);
            return;
          }
          // NaN wins: take v when v > acc (max) or v < acc (min), or v is NaN.
          const v = w.local('f64');
          pushElement(ptrs);
          w.set(v);
          w.get(v)
            .get(acc)
            .get(v)
            .get(acc)
            .op(op === 'max' ? 'f64.gt' : 'f64.lt');
          w.get(v).get(v).op('f64.ne').op('i32.or').op('select').set(acc);
        });
      }
      w.get(o).get(acc);
      if (int) w.mem('i32.store');
      else storeNarrow(w, out.dtype);
    },
  );
}

interface Axis {
  size: number;
  lhs: number;
  rhs: number;
  out: number;
}

/** Axes of a rank-`rank` operand in none of `used` (a product's free axes), in order. */
export function freeAxes(rank: number, ...used: (readonly number[])[]): number[] {
  return Array.from({ length: rank }, (_, i) => i).filter((i) => !used.some((u) => u.includes(i)));
}

/** The contraction's axes as (size, lhs stride, rhs stride, out stride). */
export function dotAxes(
  p: DotGeneralParams,
  lhs: ArrayValue,
  rhs: ArrayValue,
  out: ArrayValue,
): { batch: Axis[]; m: Axis[]; n: Axis[]; k: Axis[] } {
  let o = 0;
  const batch = p.lhsBatch.map((a, i) => ({
    size: lhs.shape[a],
    lhs: lhs.strides[a],
    rhs: rhs.strides[p.rhsBatch[i]],
    out: out.strides[o++],
  }));
  const m = freeAxes(lhs.shape.length, p.lhsContracting, p.lhsBatch).map((a) => ({
    size: lhs.shape[a],
    lhs: lhs.strides[a],
    rhs: 0,
    out: out.strides[o++],
  }));
  const n = freeAxes(rhs.shape.length, p.rhsContracting, p.rhsBatch).map((a) => ({
    size: rhs.shape[a],
    lhs: 0,
    rhs: rhs.strides[a],
    out: out.strides[o++],
  }));
  const kAxes = p.lhsContracting.map((a, i) => ({
    size: lhs.shape[a],
    lhs: lhs.strides[a],
    rhs: rhs.strides[p.rhsContracting[i]],
    out: 0,
  }));
  return { batch, m, n, k: kAxes };
}

/** A contraction as plain loops: one f64 accumulator per output element. */
export function emitDotLoops(
  k: KernelContext,
  p: DotGeneralParams,
  lhs: ArrayValue,
  rhs: ArrayValue,
  out: ArrayValue,
  accumulate = false,
): void {
  const { w } = k;
  if (out.dtype !== 'float32' && out.dtype !== 'float64') {
    throw new UnsupportedInWasm(`${out.dtype} contractions`);
  }
  const axes = dotAxes(p, lhs, rhs, out);
  const outer = [...axes.batch, ...axes.m, ...axes.n];
  const bytes = itemSize(out.dtype);
  const acc = w.local('f64');
  emitNest(
    w,
    outer.map((a) => a.size),
    [
      access(
        k,
        out,
        outer.map((a) => a.out),
      ),
      access(
        k,
        lhs,
        outer.map((a) => a.lhs),
      ),
      access(
        k,
        rhs,
        outer.map((a) => a.rhs),
      ),
    ],
    1,
    ([o, l, r]) => {
      if (accumulate) {
        loadWide(w, o, out.dtype);
        w.set(acc);
      } else w.f64(0).set(acc);
      emitNest(
        w,
        axes.k.map((a) => a.size),
        [
          { base: (cw) => cw.get(l), strides: axes.k.map((a) => a.lhs * bytes) },
          { base: (cw) => cw.get(r), strides: axes.k.map((a) => a.rhs * bytes) },
        ],
        1,
        ([lp, rp]) => {
          w.get(acc);
          loadWide(w, lp, lhs.dtype);
          loadWide(w, rp, rhs.dtype);
          w.op('f64.mul').op('f64.add').set(acc);
        },
      );
      w.get(o).get(acc);
      storeNarrow(w, out.dtype);
    },
  );
}

/**
 * A primitive run by its eager kernel: the element addresses of its array operands and results
 * go into the argument block, then the host function `call(index)` reads them from there.
 */
export function emitFallbackCall(
  k: KernelContext,
  call: FuncRef,
  index: number,
  argBlock: number,
  inputs: readonly Value[],
  outs: readonly ArrayValue[],
): void {
  const { w } = k;
  const arrays = [...inputs.filter((v): v is ArrayValue => v.kind === 'array'), ...outs];
  arrays.forEach((a, i) => {
    w.i32(argBlock + 4 * i);
    const addr: Address = k.layout.address(a);
    pushAddress(w, addr, k.vars);
    w.mem('i32.store');
  });
  w.i32(index).call(call);
}

/**
 * The body of a copy nest: one element (or one 16-byte vector) from the source address to the
 * destination address, the nest's two pointers in that order.
 */
export function copyElement(w: CodeWriter, dtype: DType): NestBody {
  return ([d, s], vector) => {
    w.get(d).get(s);
    if (vector) w.mem('v128.load', 0, 0).mem('v128.store', 0, 0);
    else {
      loadScalar(w, dtype);
      storeScalar(w, dtype);
    }
  };
}
