// SPDX-License-Identifier: MIT
// The two knobs of Core V that the benchmark turns: jit's `backend` option and the thread count.
import { getThreads, type JitOptions, type Jitted, jit, setThreads } from '@loom/core';

/** A lowering jit can be forced to use. */
export type LoomBackend = 'js' | 'wasm';

/** Sets how many threads Loom's wasm kernels split their work over. */
export function setLoomThreads(n: number): void {
  setThreads(n);
}

/** The threads Loom's wasm kernels run on now (1 where shared memory is unavailable). */
export function loomThreads(): number {
  return getThreads();
}

/**
 * Null when Loom runs `n` threads once asked to (call after `setLoomThreads(n)`), else why
 * not, so that a row labelled with n threads never runs fewer.
 */
export function threadsMismatch(n: number): string | null {
  const actual = loomThreads();
  return actual === n ? null : `asked for ${n} threads, Loom runs ${actual} here`;
}

/**
 * `jit(f, { backend })`. The options object is built as a variable so it typechecks before
 * `JitOptions` has a `backend` field (it is then simply ignored, which `loweredBackend` detects).
 */
export function jitWith<A extends unknown[], R>(
  f: (...args: A) => R,
  backend: LoomBackend,
): Jitted<A, R> {
  const options: JitOptions & { backend?: LoomBackend } = { backend };
  return jit(f, options);
}

/** What `lower()` says about the lowering that runs a program, when it says anything. */
export interface LoweredBackend {
  backend: string | null;
  reason: string;
}

/** Reads the backend (and why) from `jitted.lower(...args)`. */
export function loweredBackend<A extends unknown[], R>(
  jitted: Jitted<A, R>,
  ...args: A
): LoweredBackend {
  const lowered = jitted.lower(...args) as unknown as {
    backend?: unknown;
    backendReason?: unknown;
  };
  return {
    backend: typeof lowered.backend === 'string' ? lowered.backend : null,
    reason: typeof lowered.backendReason === 'string' ? lowered.backendReason : '',
  };
}

/**
 * Null when `jitted` runs on `backend`, else why not. Before core reports backends at all,
 * everything runs as JavaScript, so 'js' is accepted and 'wasm' is not.
 */
export function backendMismatch<A extends unknown[], R>(
  jitted: Jitted<A, R>,
  backend: LoomBackend,
  ...args: A
): string | null {
  const { backend: actual, reason } = loweredBackend(jitted, ...args);
  if (actual === backend || (actual === null && backend === 'js')) return null;
  const why = reason ? ` (${reason})` : '';
  return actual === null
    ? `jit ignored { backend: '${backend}' }: lower() reports no backend`
    : `asked for backend '${backend}', lower() says '${actual}'${why}`;
}
