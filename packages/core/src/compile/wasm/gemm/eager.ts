// SPDX-License-Identifier: MIT
// Eager use of the generated GEMM: operands are copied into the wasm heap, the module compiled
// for this exact spec (cached) runs over the thread pool, and C is copied out. The copies cost
// O(mk + kn + mn) against O(mnk) arithmetic, which is why eager callers use this only above a
// size threshold.
import { InvalidArgumentError } from '../../../errors.js';
import { features } from '../../../runtime/features.js';
import { heap } from '../../../runtime/heap.js';
import { pool } from '../../../runtime/pool.js';
import type { TypedArray } from '../../../tensor/dtype.js';
import { ModuleBuilder } from '../builder.js';
import { emitGemm } from './driver.js';
import type { GemmSpec, OperandLayout } from './plan.js';

const EXPORT = 'gemm';
/** Compiled specs kept; a training loop multiplies a handful of shapes. */
const CACHE_LIMIT = 64;
/** Below this many flops one thread finishes before workers would wake. */
const THREADED_FLOPS = 2 * 96 ** 3;

interface Compiled {
  readonly id: number;
  readonly tasks: number;
  readonly scratchBytes: number;
  readonly flops: number;
}

const cache = new Map<string, Compiled>();

/** Whether generated GEMMs can run here (WebAssembly with SIMD, compilation allowed). */
export function wasmGemmAvailable(): boolean {
  const f = features();
  return f.wasm && f.simd && f.canCompileWasm;
}

function compiled(spec: GemmSpec): Compiled {
  const key = JSON.stringify(spec);
  const hit = cache.get(key);
  if (hit) {
    // Most recently used last, so eviction drops the least recently used.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const mb = new ModuleBuilder().importMemory(heap.memoryImport());
  const kernel = emitGemm(mb, spec);
  mb.export(kernel.fn, EXPORT);
  const id = pool().register(new WebAssembly.Module(mb.build()));
  const entry = { id, tasks: kernel.tasks, scratchBytes: kernel.scratchBytes, flops: kernel.flops };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, entry);
  return entry;
}

/** Elements an operand spans: one past its largest index (0 if any dimension is 0). */
function extent(l: OperandLayout, batch: number, rows: number, cols: number): number {
  if (batch === 0 || rows === 0 || cols === 0) return 0;
  return (batch - 1) * l.batchStride + (rows - 1) * l.rowStride + (cols - 1) * l.colStride + 1;
}

function checkLength(what: string, array: TypedArray, needed: number, spec: GemmSpec): void {
  if (array.length < needed) {
    throw new InvalidArgumentError(
      `gemm: operand ${what} has ${array.length} elements but its layout spans ${needed} ` +
        `(batch ${spec.batch}, m ${spec.m}, n ${spec.n}, k ${spec.k}).`,
    );
  }
}

/**
 * `C[b] = A[b]·B[b]` (or `C += A·B` when `spec.accumulate`) with the generated wasm kernel.
 * `a`, `b` and `c` may hold any numeric type; they are converted to `spec.dtype` on the way in
 * and the result is converted back into `c`, which is returned.
 */
export function gemm<C extends TypedArray>(spec: GemmSpec, a: TypedArray, b: TypedArray, c: C): C {
  const { batch, m, n, k } = spec;
  const aLen = extent(spec.a, batch, m, k);
  const bLen = extent(spec.b, batch, k, n);
  const cLen = extent({ ...spec.c, colStride: 1 }, batch, m, n);
  checkLength('a', a, aLen, spec);
  checkLength('b', b, bLen, spec);
  checkLength('c', c, cLen, spec);
  const kernel = compiled(spec);
  if (kernel.tasks === 0) return c;
  const e = spec.dtype === 'float32' ? 4 : 8;
  const aPtr = heap.alloc(aLen * e);
  const bPtr = heap.alloc(bLen * e);
  const cPtr = heap.alloc(cLen * e);
  const sPtr = heap.alloc(kernel.scratchBytes);
  try {
    // Views after the last alloc: an alloc may grow (and detach) the memory.
    const view = spec.dtype === 'float32' ? heap.f32 : heap.f64;
    view.set(aLen === a.length ? a : a.subarray(0, aLen), aPtr / e);
    view.set(bLen === b.length ? b : b.subarray(0, bLen), bPtr / e);
    // C goes in when it is summed into, and when rows are padded (the padding comes back out).
    if (spec.accumulate || spec.c.rowStride !== n) view.set(c.subarray(0, cLen), cPtr / e);
    const args = [aPtr, bPtr, cPtr, sPtr];
    const p = pool();
    if (kernel.flops >= THREADED_FLOPS) p.run(kernel.id, EXPORT, kernel.tasks, args);
    else (p.exportsOf(kernel.id)[EXPORT] as (...x: number[]) => void)(0, kernel.tasks, ...args);
    const out = spec.dtype === 'float32' ? heap.f32 : heap.f64;
    c.set(out.subarray(cPtr / e, cPtr / e + cLen));
    return c;
  } finally {
    heap.free(sPtr);
    heap.free(cPtr);
    heap.free(bPtr);
    heap.free(aPtr);
  }
}

/** Compiled GEMM modules currently cached (for tests of the cache bound). */
export function cachedGemmCount(): number {
  return cache.size;
}
