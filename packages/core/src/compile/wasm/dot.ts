// SPDX-License-Identifier: MIT
// dot_general in wasm. A product whose axes reduce to (batch, m, n, k) with one axis each goes to
// the SIMD GEMM kernels (operands read through their strides, so the transposes of the backward
// pass cost nothing); large ones are split over the worker pool through a host call, by output
// panels, so the result does not depend on the thread count. Anything else runs as plain loops.
import type { DotGeneralParams } from '../../prims/dot_general.js';
import { envVar } from '../../runtime/env.js';
import { collapseLoops } from '../loops.js';
import type { KernelSpec } from '../steps.js';
import type { ArrayValue } from '../values.js';
import type { FuncRef } from './builder.js';
import type { KernelContext } from './fused.js';
import type { GemmSpec } from './gemm/plan.js';
import { planGemm } from './gemm/plan.js';
import { dotAxes, emitCopy, emitDotLoops } from './kernels.js';
import { type Address, pushAddress } from './layout.js';

export type DotSpec = Extract<KernelSpec, { kind: 'dot' }>;

/**
 * Products with at least this many flops are split over threads (a dispatch costs ~2 µs).
 * `LOOM_PARALLEL_MIN_FLOPS` overrides it (the test suites set 0 to send every GEMM through the
 * pool).
 */
export function parallelMinFlops(): number {
  const v = Number(envVar('LOOM_PARALLEL_MIN_FLOPS'));
  return Number.isFinite(v) && v >= 0 && envVar('LOOM_PARALLEL_MIN_FLOPS') !== undefined
    ? v
    : 2 ** 19;
}

interface Merged {
  size: number;
  lhs: number;
  rhs: number;
  out: number;
}

/** Merges a group of axes into one when every operand walks them contiguously. */
function mergeAxes(axes: readonly Merged[]): Merged | null {
  if (axes.length === 0) return { size: 1, lhs: 0, rhs: 0, out: 0 };
  const { sizes, strides } = collapseLoops(
    axes.map((a) => a.size),
    [axes.map((a) => a.lhs), axes.map((a) => a.rhs), axes.map((a) => a.out)],
  );
  if (sizes.length === 0) return { size: 1, lhs: 0, rhs: 0, out: 0 };
  if (sizes.length > 1) return null;
  return { size: sizes[0], lhs: strides[0][0], rhs: strides[1][0], out: strides[2][0] };
}

/**
 * The product as a GEMM, or null when it is not GEMM-shaped. A matrix-vector product (n = 1,
 * C contiguous along m) runs transposed, Cᵀ = Bᵀ·Aᵀ with the operands' roles `swapped`: the
 * kernels' column panels are 8 wide, so n = 1 would compute 8 columns to keep one. Each output's
 * k-sum keeps its order, so the values are the same.
 */
export function gemmOf(spec: DotSpec, fma: boolean): { gemm: GemmSpec; swapped: boolean } | null {
  const { lhs, rhs, out } = spec;
  if (out.dtype !== 'float32' && out.dtype !== 'float64') return null;
  if (lhs.dtype !== out.dtype || rhs.dtype !== out.dtype) return null;
  const axes = dotAxes(spec.params as DotGeneralParams, lhs, rhs, out);
  const [batch, m, n, k] = [axes.batch, axes.m, axes.n, axes.k].map(mergeAxes);
  if (!batch || !m || !n || !k) return null;
  const common = {
    dtype: out.dtype,
    batch: batch.size,
    k: k.size,
    accumulate: spec.accumulate !== undefined,
    fma,
  } as const;
  if (n.size === 1 && m.size > 1 && m.out === 1) {
    const gemm: GemmSpec = {
      ...common,
      m: 1,
      n: m.size,
      a: { rowStride: 0, colStride: k.rhs, batchStride: batch.rhs },
      b: { rowStride: k.lhs, colStride: m.lhs, batchStride: batch.lhs },
      c: { rowStride: 0, batchStride: batch.out },
    };
    return { gemm, swapped: true };
  }
  // C must be contiguous along n.
  if (n.size > 1 && n.out !== 1) return null;
  const gemm: GemmSpec = {
    ...common,
    m: m.size,
    n: n.size,
    a: { rowStride: m.lhs, colStride: k.lhs, batchStride: batch.lhs },
    b: { rowStride: k.rhs, colStride: n.rhs, batchStride: batch.rhs },
    c: { rowStride: m.out, batchStride: batch.out },
  };
  return { gemm, swapped: false };
}

/** The product's GEMM spec (see `gemmOf`), or null when it is not GEMM-shaped. */
export function gemmSpecOf(spec: DotSpec, fma: boolean): GemmSpec | null {
  return gemmOf(spec, fma)?.gemm ?? null;
}

/** Scratch bytes the GEMM of `spec` needs (0 when it runs as loops). */
export function gemmScratch(spec: GemmSpec | null): number {
  if (!spec) return 0;
  const plan = planGemm(spec);
  return plan.tasks * plan.slotBytes;
}

/** How the program reaches its GEMMs: in-module functions, or the host's thread pool. */
export interface GemmAccess {
  /** The in-module GEMM function for `spec` (emitted once per spec). */
  local(spec: GemmSpec): { fn: FuncRef; tasks: number };
  /** A host call running GEMM number `index` over the pool: (index, tasks, a, b, c, scratch). */
  parallel(spec: GemmSpec): { call: FuncRef; index: number; tasks: number } | null;
  /** Where the GEMM's packed panels go (per chunk in a split scan). */
  readonly scratch: Address;
  /** The address of the product's B packed once for its loop (prepack.ts), if it is. */
  readonly packedBAt?: (spec: DotSpec) => number | undefined;
}

export function emitDot(k: KernelContext, spec: DotSpec, gemm: GemmAccess, fma: boolean): void {
  const { w } = k;
  // out = accumulate + lhs·rhs: start from the sum unless it already sits in out's buffer.
  if (spec.accumulate) {
    const from = k.layout.address(spec.accumulate);
    const to = k.layout.address(spec.out);
    const key = (a: typeof from) =>
      `${a.base}|${a.terms.map((t) => `${t.v}*${t.bytes}`).join('+')}`;
    if (key(from) !== key(to)) emitCopy(k, spec.accumulate, spec.out);
  }
  const packedAt = gemm.packedBAt?.(spec);
  const product = gemmOf(spec, fma);
  const g = product && packedAt !== undefined ? { ...product.gemm, packedB: true } : product?.gemm;
  if (!product || !g || g.m * g.n * g.k * g.batch === 0) {
    emitDotLoops(
      k,
      spec.params as DotGeneralParams,
      spec.lhs,
      spec.rhs,
      spec.out,
      spec.accumulate !== undefined,
    );
    return;
  }
  const push = (a: ArrayValue) => pushAddress(w, k.layout.address(a), k.vars);
  const [aOperand, bOperand] = product.swapped ? [spec.rhs, spec.lhs] : [spec.lhs, spec.rhs];
  const pushB = () => (packedAt === undefined ? push(bOperand) : w.i32(packedAt));
  const threaded = gemm.parallel(g);
  if (threaded) {
    w.i32(threaded.index).i32(threaded.tasks);
    push(aOperand);
    pushB();
    push(spec.out);
    pushAddress(w, gemm.scratch, k.vars);
    w.call(threaded.call);
    return;
  }
  const local = gemm.local(g);
  w.i32(0).i32(local.tasks);
  push(aOperand);
  pushB();
  push(spec.out);
  pushAddress(w, gemm.scratch, k.vars);
  w.call(local.fn);
}
