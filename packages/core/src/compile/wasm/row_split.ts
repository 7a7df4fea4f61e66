// SPDX-License-Identifier: MIT
// Running a scan's batch rows on several threads. An RNN's loop body treats each row of its batch
// on its own: row i of the new carry depends only on row i of the old one, of x_t, and on weights
// the loop only reads. So the rows can be cut into chunks, and each chunk run through the whole
// loop on its own thread, with no synchronisation per step: the per-step products (16×100·100×100
// in the IRNN) are far too small to split over threads one by one.
//
// The body is split when every kernel in it is row-wise: each value it writes has a batch axis
// of size B, and each output row reads only the same row of what the body writes (or data the
// body never writes, such as the weights). Chunk p then runs the same kernels over rows
// [p·B/P, (p+1)·B/P) of every batched view: the views are only narrowed, so each element is
// computed by the same code in the same order as without the split, and results are bitwise
// identical for any number of chunks. Rows of a slot are byte ranges: a slot the body writes
// has one row stride S, and a view may touch it only with its batch axis at stride S, starting
// on a row boundary, with its other axes inside one row. So no two chunks ever touch the same
// byte of a slot the body writes (the plan gives each temp of a loop body its own slot for the
// whole loop: allocate.ts `holdLoopTemps`).
import type { DotGeneralParams } from '../../prims/dot_general.js';
import { envVar } from '../../runtime/env.js';
import { getThreads } from '../../runtime/threads.js';
import { itemSize } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import { leavesOf, postOrder } from '../expr.js';
import { type KernelSpec, type RegionSpec, type Step, walkSteps } from '../steps.js';
import { type ArrayValue, location, type Value } from '../values.js';
import {
  alignedAxis,
  CHUNK_VAR,
  callKernel,
  emitChunkJob,
  kernelVars,
  largestDivisor,
  MAX_OUTER_VARS,
  narrow,
  narrowExpr,
  narrowFused,
} from './chunks.js';
import { gemmScratch, gemmSpecOf, parallelMinFlops } from './dot.js';
import { isMathFunction, type KernelFunctions, specArrays } from './kernel_functions.js';
import { freeAxes } from './kernels.js';
import { parseTerm } from './layout.js';
import { emitScanLoop } from './nest.js';

export interface RowSplit {
  /** Rows of the batch axis (B). */
  readonly rows: number;
  /** Chunks (P, a divisor of B); chunk p runs rows [p·B/P, (p+1)·B/P). */
  readonly chunks: number;
  /** The body's kernels over one chunk's rows; batched views move by `rowchunk`. */
  readonly kernels: readonly RowWise[];
}

type RowWise = Extract<KernelSpec, { kind: 'fused' | 'copy' | 'fill' | 'reduce' | 'dot' }>;

/** A view together with the axis that is its batch axis, or -1 when it has none. */
interface Access {
  readonly view: ArrayValue;
  readonly axis: number;
}

const bytesOf = (v: ArrayValue) => itemSize(v.dtype);

function writtenView(spec: RowWise): ArrayValue {
  switch (spec.kind) {
    case 'fused':
    case 'reduce':
    case 'dot':
      return spec.out;
    case 'copy':
    case 'fill':
      return spec.dst;
  }
}

/** The reads of `spec`, each with the batch axis implied by the output's batch axis `d`. */
function readAccesses(spec: RowWise, d: number, rows: number): Access[] | null {
  switch (spec.kind) {
    case 'fill':
      return [];
    case 'copy':
      return [{ view: spec.src, axis: alignedAxis(spec.src, d, spec.dst.shape.length, rows) }];
    case 'fused':
      return leavesOf(spec.root).map((leaf) => ({
        view: leaf,
        axis: alignedAxis(leaf, d, spec.out.shape.length, rows),
      }));
    case 'reduce': {
      const axis = keptAxes(spec)[d];
      return leavesOf(spec.x).map((leaf) => ({
        view: leaf,
        axis: alignedAxis(leaf, axis, spec.x.shape.length, rows),
      }));
    }
    case 'dot': {
      const p = spec.params as DotGeneralParams;
      const mAxes = freeAxes(spec.lhs.shape.length, p.lhsContracting, p.lhsBatch);
      const nAxes = freeAxes(spec.rhs.shape.length, p.rhsContracting, p.rhsBatch);
      const acc = spec.accumulate ? [{ view: spec.accumulate, axis: d }] : [];
      // The output's axes are the batch axes, then lhs's free axes, then rhs's.
      if (d < p.lhsBatch.length) {
        return [
          { view: spec.lhs, axis: p.lhsBatch[d] },
          { view: spec.rhs, axis: p.rhsBatch[d] },
          ...acc,
        ];
      }
      const m = d - p.lhsBatch.length;
      if (m < mAxes.length) {
        return [{ view: spec.lhs, axis: mAxes[m] }, { view: spec.rhs, axis: -1 }, ...acc];
      }
      const n = m - mAxes.length;
      if (n >= nAxes.length) return null;
      return [{ view: spec.lhs, axis: -1 }, { view: spec.rhs, axis: nAxes[n] }, ...acc];
    }
  }
}

/**
 * Whether `view`, batched on `axis`, touches only row i of a slot with row stride `rowBytes`
 * for batch index i: its batch stride is the row stride, it starts on a row boundary (run-time
 * offsets move by whole batches), and its other axes stay inside one row.
 */
function rowAligned(view: ArrayValue, axis: number, rowBytes: number, rows: number): boolean {
  const bytes = bytesOf(view);
  if (view.shape[axis] !== rows || view.strides[axis] * bytes !== rowBytes) return false;
  const { off } = location(view);
  const start = off.c * bytes;
  if (start < 0 || Math.floor(start / rowBytes) % rows !== 0) return false;
  for (const t of off.terms) {
    if (parseTerm(t, bytes).bytes % (rowBytes * rows) !== 0) return false;
  }
  let span = bytes;
  for (let a = 0; a < view.shape.length; a++) {
    if (a === axis) continue;
    if (view.strides[a] < 0) return false;
    span += (view.shape[a] - 1) * view.strides[a] * bytes;
  }
  return (start % rowBytes) + span <= rowBytes;
}

/** Checks the body for batch size `rows`; returns each kernel's accesses (written one first). */
function checkRows(kernels: readonly RowWise[], rows: number): Access[][] | null {
  const slotOf = (v: ArrayValue) => location(v).name;
  // One row stride per written slot, from its first written view.
  const rowBytes = new Map<string, number>();
  for (const k of kernels) {
    const out = writtenView(k);
    const slot = slotOf(out);
    if (rowBytes.has(slot)) continue;
    const axis = out.shape.indexOf(rows); // the outermost axis of that size
    if (axis < 0 || out.strides[axis] <= 0) return null;
    rowBytes.set(slot, out.strides[axis] * bytesOf(out));
  }
  const result: Access[][] = [];
  for (const k of kernels) {
    const out = writtenView(k);
    const stride = rowBytes.get(slotOf(out))!;
    const d = out.shape.findIndex((n, a) => n === rows && out.strides[a] * bytesOf(out) === stride);
    if (d < 0) return null;
    const reads = readAccesses(k, d, rows);
    if (!reads) return null;
    const accesses = [{ view: out, axis: d }, ...reads];
    for (const { view, axis } of accesses) {
      const written = rowBytes.get(slotOf(view));
      if (axis >= 0 && view.shape[axis] !== rows) return null;
      if (written === undefined) continue; // read-only here: any view may read it
      if (axis < 0 || !rowAligned(view, axis, written, rows)) return null;
    }
    result.push(accesses);
  }
  return result;
}

/** `spec` over one chunk of `size` rows, given its accesses from `checkRows` (same order). */
function narrowKernel(spec: RowWise, accesses: readonly Access[], size: number): RowWise {
  const at = (i: number) => {
    const { view, axis } = accesses[i];
    return axis < 0 ? view : narrow(view, axis, size);
  };
  // An expression's leaf, narrowed: its access is among the reads (after the output's).
  const narrowedLeaf = (leaf: ArrayValue) =>
    at(accesses.findIndex((a, i) => i > 0 && a.view === leaf));
  switch (spec.kind) {
    case 'fill':
      return { ...spec, dst: at(0) };
    case 'copy':
      return { ...spec, dst: at(0), src: at(1) };
    case 'reduce': {
      const x = narrowExpr(spec.x, narrowedLeaf);
      if (x.kind === 'array') return { ...spec, out: at(0), x };
      // The emitter reads the input's shape at its root only.
      const axis = keptAxes(spec)[accesses[0].axis];
      return {
        ...spec,
        out: at(0),
        x: { ...x, shape: x.shape.map((n, a) => (a === axis ? size : n)) },
      };
    }
    case 'dot':
      return {
        ...spec,
        out: at(0),
        lhs: at(1),
        rhs: at(2),
        ...(spec.accumulate ? { accumulate: at(3) } : {}),
      };
    case 'fused': {
      return narrowFused(spec, at(0), narrowedLeaf);
    }
  }
}

const callsNonMathHost = (v: Value) =>
  v.kind === 'expr' && v.op.prim === 'erf' && !isMathFunction('erf');

/** The input axes a reduction keeps, in the order of its output's axes. */
const keptAxes = (spec: Extract<RowWise, { kind: 'reduce' }>) =>
  spec.x.shape.map((_, a) => a).filter((a) => !spec.axes.includes(a));

/** The elementwise expression a kernel evaluates per element, if any. */
const expressionOf = (spec: KernelSpec): Value | null =>
  spec.kind === 'fused' ? spec.root : spec.kind === 'reduce' ? spec.x : null;

const ROW_WISE = new Set(['fused', 'copy', 'fill', 'reduce', 'dot']);

/**
 * How to split the body of a scan by batch rows, or null when it is not row-wise. `chunksFor`
 * picks the number of chunks for a batch of B rows (a divisor of B; 1 = no split).
 */
export function planRowSplit(
  body: readonly Step[],
  chunksFor: (rows: number) => number,
): RowSplit | null {
  const kernels: RowWise[] = [];
  for (const s of body) {
    if (s.kind !== 'kernel' || !s.spec || !ROW_WISE.has(s.spec.kind)) return null;
    // erf's float64 form calls a host function that pool workers cannot import (erf.ts).
    const expression = expressionOf(s.spec);
    if (expression && postOrder(expression).some(callsNonMathHost)) return null;
    // Every array must have its place (a program with one that has not fails in Layout).
    if (!specArrays(s.spec).every((a) => a.buf.root().name !== null)) return null;
    kernels.push(s.spec as RowWise);
  }
  if (kernels.length === 0) return null;
  // Candidate batch sizes: sizes every written view has, largest first.
  const sizes = kernels
    .map((k) => writtenView(k).shape.filter((n) => n > 1))
    .reduce((common, own) => common.filter((n) => own.includes(n)));
  for (const rows of [...new Set(sizes)].sort((a, b) => b - a)) {
    const chunks = chunksFor(rows);
    if (chunks <= 1 || rows % chunks !== 0) continue;
    const accesses = checkRows(kernels, rows);
    if (!accesses) continue;
    const size = rows / chunks;
    return {
      rows,
      chunks,
      kernels: kernels.map((k, i) => narrowKernel(k, accesses[i], size)),
    };
  }
  return null;
}

type ScanSpec = Extract<RegionSpec, { kind: 'scan' }>;

/** Work of one step of the body: flops of its products, elements written by the rest. */
function stepWork(kernels: readonly RowWise[]): number {
  let work = 0;
  for (const k of kernels) {
    const g = k.kind === 'dot' ? gemmSpecOf(k, false) : null;
    work += g ? 2 * g.batch * g.m * g.n * g.k : sizeOf(writtenView(k).shape);
  }
  return work;
}

/** The largest divisor of `rows` that is at most the thread count. */
function chunksFor(rows: number): number {
  return largestDivisor(rows, getThreads());
}

export interface ScanSplit extends RowSplit {
  /** Loop variables of enclosing loops the body uses (parameters of the split function). */
  readonly outer: readonly string[];
  /** GEMM scratch one chunk needs. */
  readonly scratchBytes: number;
}

/**
 * The scans of `steps` to run split by batch rows: those whose body is row-wise, whose batch
 * splits over the threads, and whose whole loop does enough work to be worth a pool job
 * (`LOOM_PARALLEL_MIN_FLOPS`, as for GEMMs). `LOOM_ROW_SPLIT=0` turns splitting off.
 */
export function scanSplits(steps: readonly Step[]): Map<Step, ScanSplit> {
  const splits = new Map<Step, ScanSplit>();
  if (envVar('LOOM_ROW_SPLIT') === '0') return splits;
  for (const s of walkSteps(steps)) {
    if (s.kind !== 'region' || s.spec?.kind !== 'scan' || s.spec.length === 0) continue;
    const scan = s.spec;
    const split = planRowSplit(s.blocks[0], chunksFor);
    if (!split) continue;
    if (scan.length * stepWork(split.kernels) * split.chunks < parallelMinFlops()) continue;
    const own = new Set([scan.counter, scan.index, CHUNK_VAR]);
    const outer = [...new Set(split.kernels.flatMap(kernelVars))].filter((v) => !own.has(v)).sort();
    if (outer.length > MAX_OUTER_VARS) continue;
    const scratchBytes = Math.max(
      0,
      ...split.kernels.map((k) => (k.kind === 'dot' ? gemmScratch(gemmSpecOf(k, false)) : 0)),
    );
    splits.set(s, { ...split, outer, scratchBytes });
  }
  return splits;
}

/**
 * Emits the split scan into `kf.mb` as export `exportName(begin, end, ...outer)`: each chunk in
 * [begin, end) runs the whole loop over its rows.
 */
export function emitSplitScan(
  kf: KernelFunctions,
  scan: ScanSpec,
  split: ScanSplit,
  exportName: string,
): void {
  const size = split.rows / split.chunks;
  kf.describe(
    `// ${exportName}: scan of ${scan.length} steps split by batch rows into ${split.chunks} chunks ` +
      `of ${size} rows, run at once on the pool's threads; its kernels follow`,
  );
  const calls = split.kernels.map((k) => callKernel(kf, k));
  const description = `scan of ${scan.length} steps over chunks of ${size} rows`;
  emitChunkJob(kf, split.outer, exportName, description, (w, vars) => {
    const counter = w.local('i32');
    const at = scan.reverse ? w.local('i32') : counter;
    vars.set(scan.counter, counter).set(scan.index, at);
    emitScanLoop(w, scan.length, scan.reverse, counter, at, () => {
      for (const call of calls) call(w, vars);
    });
  });
}
