// SPDX-License-Identifier: MIT
// The thread-count setting. The pool reads it on every run and resizes lazily, so changing it
// costs nothing until the next threaded job.
import { InvalidArgumentError } from '../errors.js';
import { canGenerateCode } from './codegen.js';
import { envVar } from './env.js';
import { features, type Platform, platform } from './features.js';

let requested: number | undefined;

function validate(source: string, n: unknown): number {
  const value = typeof n === 'string' && n.trim() !== '' ? Number(n) : n;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(
      `${source}: the number of threads must be a whole number >= 1 (1 = no worker threads), ` +
        `got ${JSON.stringify(n)}.`,
    );
  }
  return value;
}

/** Whether this platform can run threads at all (shared wasm memory and workers). */
export function threadsSupported(): boolean {
  const f = features();
  return f.sharedMemory && f.workers;
}

/**
 * Sets how many threads (the calling thread included) wasm kernels may split their work over.
 * Results do not depend on it: work is split by output blocks, never inside a sum. Where shared
 * memory is unavailable (browsers without cross-origin isolation) work runs on one thread
 * whatever this says.
 */
export function setThreads(n: number): void {
  requested = validate('setThreads', n);
}

/** Forgets `setThreads`, so env LOOM_THREADS or the core count decide again (tests). */
export function resetThreads(): void {
  requested = undefined;
}

/** The thread count the setting asks for: `setThreads`, else env LOOM_THREADS, else all cores. */
export function requestedThreads(): number {
  if (requested !== undefined) return requested;
  const env = envVar('LOOM_THREADS');
  if (env !== undefined) return validate('LOOM_THREADS (environment variable)', env);
  return features().cores;
}

/**
 * The number of threads wasm kernels run on, the calling thread included: the value of
 * `setThreads`, else env LOOM_THREADS, else all available cores; 1 where shared memory is
 * unavailable.
 */
export function getThreads(): number {
  return threadsSupported() ? requestedThreads() : 1;
}

/** The platform summary plus the thread setting. */
export interface RuntimeInfo extends Platform {
  /** Threads wasm kernels run on (`getThreads()`). */
  readonly threads: number;
  /** Why that many: what the setting asked for, or what keeps kernels on one thread. */
  readonly threadsReason: string;
  /**
   * Whether `new Function` works. False under a Content-Security-Policy without
   * 'unsafe-eval': eager kernels then run as closures and jit interprets JavaScript programs.
   */
  readonly canGenerateCode: boolean;
}

let workerFailure: string | undefined;

/**
 * Called by the process-wide worker pool when a worker cannot start or fails (a page whose
 * Content-Security-Policy has no `worker-src blob:`, say): its work then runs on the calling
 * thread, and `runtimeInfo()` says so.
 */
export function noteWorkerFailure(reason: string): void {
  workerFailure ??= reason;
}

/** Why `getThreads()` is what it is, in words (`runtimeInfo().threadsReason`). */
function threadsReason(p: Platform, threads: number): string {
  if (!p.wasm) return '1 thread: WebAssembly is unavailable or disabled';
  if (workerFailure !== undefined) {
    return `1 thread: a worker could not run (${workerFailure}); products run on the calling thread`;
  }
  if (!p.sharedMemory) {
    if (p.crossOriginIsolated === false) {
      return (
        '1 thread: the page is not cross-origin isolated (serve it with the headers ' +
        'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), ' +
        'so there is no shared memory'
      );
    }
    return '1 thread: this runtime cannot create shared WebAssembly memory';
  }
  if (!p.workers) return '1 thread: this runtime cannot start workers';
  const source =
    requested !== undefined
      ? 'setThreads'
      : envVar('LOOM_THREADS') !== undefined
        ? 'env LOOM_THREADS'
        : 'one per core';
  return `${threads} thread${threads === 1 ? '' : 's'}: ${source}`;
}

/**
 * What Loom found on this platform: WebAssembly, SIMD, relaxed SIMD, shared memory, whether
 * wasm may be compiled (a Content-Security-Policy may forbid it), workers, cores, and the
 * thread setting and why (`threadsReason`: a page that is not cross-origin isolated has no shared
 * memory, so one thread), and whether code may be generated (`canGenerateCode`). Env
 * LOOM_WASM=0 disables wasm; LOOM_RELAXED_SIMD=0 disables relaxed SIMD.
 *
 * @example
 * runtimeInfo(); // { wasm: true, simd: true, relaxedSimd: false, sharedMemory: true, threads: 2, ... }
 */
export function runtimeInfo(): RuntimeInfo {
  const p = platform();
  const threads = workerFailure !== undefined ? 1 : getThreads();
  return {
    ...p,
    threads,
    threadsReason: threadsReason(p, threads),
    canGenerateCode: canGenerateCode(),
  };
}
