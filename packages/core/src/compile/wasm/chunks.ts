// SPDX-License-Identifier: MIT
// Jobs the worker pool runs chunk by chunk: a function `(begin, end, ...outer)` of the threaded
// module runs chunks [begin, end), each the same code over its own part of the data, the part
// picked by the loop variable CHUNK_VAR in the addresses of narrowed views. Scans split by batch
// rows (row_split.ts) and large elementwise kernels use it. Each element is computed by the same
// code whichever chunk or thread runs it, so results do not depend on the thread count.
import { getThreads } from '../../runtime/threads.js';
import { sizeOf } from '../../tensor/shape.js';
import { postOrder } from '../expr.js';
import type { KernelSpec } from '../steps.js';
import { type ArrayValue, location, offsetPlus, type Value } from '../values.js';
import type { CodeWriter, Local } from './builder.js';
import { parallelMinFlops } from './dot.js';
import { type KernelFunctions, kernelFunction, specArrays } from './kernel_functions.js';
import { loopVar, parseTerm } from './layout.js';

type FusedSpec = Extract<KernelSpec, { kind: 'fused' }>;

/** The loop variable holding the chunk index inside a chunked job's function. */
export const CHUNK_VAR = 'rowchunk';
/** Loop variables of enclosing loops a job may use (passed through the host call). */
export const MAX_OUTER_VARS = 4;

/** `view` narrowed to `size` entries on `axis`, starting at entry `rowchunk * size`. */
export function narrow(view: ArrayValue, axis: number, size: number): ArrayValue {
  const step = size * view.strides[axis];
  return {
    ...view,
    shape: view.shape.map((n, a) => (a === axis ? size : n)),
    off: step === 0 ? view.off : offsetPlus(view.off, 0, `${CHUNK_VAR} * ${step}`),
  };
}

/** Axis of `leaf` that lines up with axis `d` of an elementwise output of rank `rank`, or -1. */
export function alignedAxis(leaf: ArrayValue, d: number, rank: number, size: number): number {
  const src = d - (rank - leaf.shape.length);
  if (src < 0 || (leaf.shape[src] === 1 && size !== 1)) return -1;
  return src;
}

/** A fused kernel with its output and leaves narrowed by `narrowLeaf` (sharing kept). */
export function narrowFused(
  spec: FusedSpec,
  out: ArrayValue,
  narrowLeaf: (leaf: ArrayValue) => ArrayValue,
): FusedSpec {
  // Only leaves and the output carry shapes the emitter reads.
  return { ...spec, out, root: narrowExpr(spec.root, narrowLeaf) };
}

/** An expression with its leaves replaced by `narrowLeaf` (other nodes keep their shapes). */
export function narrowExpr<V extends Value>(
  root: V,
  narrowLeaf: (leaf: ArrayValue) => ArrayValue,
): V | ArrayValue {
  // Shared nodes stay shared: the emitters compute each node once, keyed on identity.
  const memo = new Map<Value, Value>();
  for (const v of postOrder(root)) {
    if (v.kind === 'array') memo.set(v, narrowLeaf(v));
    else if (v.kind === 'lit') memo.set(v, v);
    else memo.set(v, { ...v, inputs: v.inputs.map((x) => memo.get(x)!) });
  }
  return memo.get(root) as V | ArrayValue;
}

/**
 * Emits `exportName(begin, end, ...outer)` into `kf.mb`: `body` runs once per chunk in
 * [begin, end) with `vars` holding the outer loop variables and CHUNK_VAR.
 */
export function emitChunkJob(
  kf: KernelFunctions,
  outer: readonly string[],
  exportName: string,
  description: string,
  body: (w: CodeWriter, vars: Map<string, Local>) => void,
): void {
  const fn = kf.mb.func(
    ['i32', 'i32', ...outer.map(() => 'i32' as const)],
    [],
    (w, [begin, end, ...params]) => {
      const vars = new Map(outer.map((v, i) => [v, params[i]]));
      const chunk = w.local('i32');
      vars.set(CHUNK_VAR, chunk);
      w.get(begin).set(chunk);
      w.loop(() => {
        body(w, vars);
        w.get(chunk).i32(1).op('i32.add').tee(chunk).get(end).op('i32.lt_s').brIf(0);
      });
    },
  );
  kf.mb.export(fn, exportName);
  kf.mb.nameFunction(fn, description);
}

/** Calls kernel `spec` (emitted into `kf.mb`) with its loop variables from `vars`. */
export function callKernel(
  kf: KernelFunctions,
  spec: KernelSpec,
): (w: CodeWriter, vars: ReadonlyMap<string, Local>) => void {
  const { fn, vars: names } = kernelFunction(kf, spec);
  return (w, vars) => {
    for (const v of names) w.get(loopVar(vars, v));
    w.call(fn);
  };
}

/** Loop variables a kernel's addresses use. */
export function kernelVars(spec: KernelSpec): string[] {
  const names = specArrays(spec).flatMap((a) =>
    location(a).off.terms.map((t) => parseTerm(t, 1).v),
  );
  return [...new Set(names)];
}

/** Chunks per thread of a large elementwise kernel (claimed one by one: late threads help). */
const CHUNKS_PER_THREAD = 4;
/**
 * An elementwise kernel must do this many times a GEMM's minimum work to be cut. Measured
 * alone, even tanh·row + column over 64×512 gains 1.16× from two threads, but inside a training
 * step the workers have usually gone to sleep since the last job: the char-rnn step's Adam
 * update of Wh (128×512, 8 operations) ran 2-4% slower cut than whole.
 */
const ELEMENTWISE_WORK_FACTOR = 4;

/**
 * A fused kernel large enough to share over the threads (elements × operations ≥
 * ELEMENTWISE_WORK_FACTOR × `LOOM_PARALLEL_MIN_FLOPS`), cut by `chunkFused`; null to run it
 * whole.
 */
export function chunkLargeFused(
  spec: FusedSpec,
): { chunks: number; kernel: FusedSpec; outer: string[] } | null {
  const threads = getThreads(); // 1 where threads cannot run
  if (threads <= 1) return null;
  const ops = postOrder(spec.root).filter((v) => v.kind === 'expr').length;
  if (sizeOf(spec.out.shape) * (ops + 1) < ELEMENTWISE_WORK_FACTOR * parallelMinFlops())
    return null;
  const cut = chunkFused(spec, (n) => largestDivisor(n, threads * CHUNKS_PER_THREAD));
  if (!cut) return null;
  const outer = kernelVars(cut.kernel).filter((v) => v !== CHUNK_VAR);
  return outer.length > MAX_OUTER_VARS ? null : { ...cut, outer };
}

/** The largest divisor of `n` that is at most `limit`. */
export function largestDivisor(n: number, limit: number): number {
  for (let p = Math.min(n, limit); p > 1; p--) if (n % p === 0) return p;
  return 1;
}

/**
 * A fused kernel cut along its output's first axis into `chunksFor(n)` equal chunks (a divisor
 * of n; 1 = not cut): the kernel over one chunk, leaves narrowed alike where they have the axis.
 */
export function chunkFused(
  spec: FusedSpec,
  chunksFor: (n: number) => number,
): { chunks: number; kernel: FusedSpec } | null {
  const { out } = spec;
  if (out.shape.length === 0) return null;
  const n = out.shape[0];
  const chunks = chunksFor(n);
  if (chunks <= 1 || n % chunks !== 0) return null;
  const size = n / chunks;
  const rank = out.shape.length;
  const kernel = narrowFused(spec, narrow(out, 0, size), (leaf) => {
    const axis = alignedAxis(leaf, 0, rank, n);
    return axis < 0 ? leaf : narrow(leaf, axis, size);
  });
  return { chunks, kernel };
}
