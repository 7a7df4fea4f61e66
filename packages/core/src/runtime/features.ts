// SPDX-License-Identifier: MIT
// What this platform can run, probed once. `WebAssembly.validate` on tiny hand-assembled modules
// is the reliable SIMD / relaxed-SIMD probe (Node 20's error messages even name a wrong flag),
// and only a real `new WebAssembly.Module` tells whether a Content-Security-Policy forbids
// compiling wasm (validate is allowed under such a policy, compile is not).
import { envVar, nodeBuiltin, nodeVersion } from './env.js';

/** The capabilities Loom's runtime chooses between. */
export interface Features {
  /** WebAssembly exists and is not disabled (env `LOOM_WASM=0`). */
  readonly wasm: boolean;
  /** 128-bit SIMD (`v128`) validates. */
  readonly simd: boolean;
  /** Relaxed SIMD (`f32x4.relaxed_madd`) validates and is not disabled (env `LOOM_RELAXED_SIMD=0`). */
  readonly relaxedSimd: boolean;
  /** A shared `WebAssembly.Memory` can be created (and, in browsers, the page is cross-origin isolated). */
  readonly sharedMemory: boolean;
  /** Compiling wasm bytes succeeds (false under a CSP without `'wasm-unsafe-eval'`). */
  readonly canCompileWasm: boolean;
  /** Threads can be started: `node:worker_threads` in Node, a global `Worker` in browsers. */
  readonly workers: boolean;
  /** Logical cores (`navigator.hardwareConcurrency` or `os.availableParallelism()`), at least 1. */
  readonly cores: number;
}

/** Switches read from the environment; tests pass their own. */
export interface FeatureSwitches {
  /** `'0'` disables WebAssembly altogether. */
  readonly LOOM_WASM?: string;
  /** `'0'` disables relaxed SIMD, for results reproducible across machines. */
  readonly LOOM_RELAXED_SIMD?: string;
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];

/** A module with one function `() -> v128` whose body is `body` (without the final `end`). */
function v128Module(body: readonly number[]): Uint8Array<ArrayBuffer> {
  const code = [0x00, ...body, 0x0b]; // no locals, body, end
  return new Uint8Array([
    ...HEADER,
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // type section: () -> v128
    ...[0x03, 0x02, 0x01, 0x00], // function section: one function of type 0
    ...[0x0a, code.length + 2, 0x01, code.length, ...code], // code section
  ]);
}

/** `v128.const 0` */
export const SIMD_PROBE = v128Module(V128_ZERO);
/** `f32x4.relaxed_madd(0, 0, 0)`: opcode 0xfd 0x105 (LEB128 0x85 0x02). */
export const RELAXED_SIMD_PROBE = v128Module([
  ...V128_ZERO,
  ...V128_ZERO,
  ...V128_ZERO,
  0xfd,
  0x85,
  0x02,
]);
const EMPTY_MODULE = new Uint8Array(HEADER);

interface BrowserGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  Worker?: unknown;
  document?: unknown;
  importScripts?: unknown;
}
const browser = globalThis as BrowserGlobals;

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

function compiles(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    new WebAssembly.Module(bytes);
    return true;
  } catch {
    return false; // CompileError "Wasm code generation disallowed by embedder" under a CSP
  }
}

function sharedMemoryWorks(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  // Browsers expose SharedArrayBuffer to workers only on cross-origin isolated pages.
  if (browser.crossOriginIsolated === false) return false;
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return memory.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

function workersAvailable(): boolean {
  if (nodeVersion() !== undefined) {
    const wt = nodeBuiltin<{ Worker?: unknown }>('node:worker_threads');
    return typeof wt?.Worker === 'function';
  }
  return typeof browser.Worker === 'function';
}

function coreCount(): number {
  const fromNavigator = browser.navigator?.hardwareConcurrency;
  if (typeof fromNavigator === 'number' && fromNavigator >= 1) return Math.floor(fromNavigator);
  const os = nodeBuiltin<{ availableParallelism?: () => number; cpus?: () => unknown[] }>(
    'node:os',
  );
  const n = os?.availableParallelism?.() ?? os?.cpus?.().length ?? 1;
  return Math.max(1, Math.floor(n));
}

/** Probes every feature now (uncached); `switches` default to the environment variables. */
export function probeFeatures(
  switches: FeatureSwitches = {
    LOOM_WASM: envVar('LOOM_WASM'),
    LOOM_RELAXED_SIMD: envVar('LOOM_RELAXED_SIMD'),
  },
): Features {
  const cores = coreCount();
  const wasm =
    switches.LOOM_WASM !== '0' &&
    typeof WebAssembly === 'object' &&
    WebAssembly !== null &&
    validates(EMPTY_MODULE);
  if (!wasm) {
    return {
      wasm,
      simd: false,
      relaxedSimd: false,
      sharedMemory: false,
      canCompileWasm: false,
      workers: workersAvailable(),
      cores,
    };
  }
  const simd = validates(SIMD_PROBE);
  return {
    wasm,
    simd,
    relaxedSimd: simd && switches.LOOM_RELAXED_SIMD !== '0' && validates(RELAXED_SIMD_PROBE),
    sharedMemory: sharedMemoryWorks(),
    canCompileWasm: compiles(EMPTY_MODULE),
    workers: workersAvailable(),
    cores,
  };
}

let cached: Features | undefined;

/** The platform's features, probed on first use and cached from then on. */
export function features(): Features {
  cached ??= Object.freeze(probeFeatures());
  return cached;
}

/** Forgets the cached probe (tests that change LOOM_WASM / LOOM_RELAXED_SIMD). */
export function resetFeatures(): void {
  cached = undefined;
}

/** Where the code runs. */
export type Environment = 'node' | 'browser' | 'web-worker' | 'unknown';

/** A summary of the platform for diagnostics (`runtimeInfo()` adds the thread setting). */
export interface Platform extends Features {
  readonly environment: Environment;
  /** Node's version, or undefined elsewhere. */
  readonly node: string | undefined;
  /** Browsers only: whether the page is cross-origin isolated (undefined elsewhere). */
  readonly crossOriginIsolated: boolean | undefined;
}

function environment(): Environment {
  if (nodeVersion() !== undefined) return 'node';
  if (browser.document !== undefined) return 'browser';
  if (typeof browser.importScripts === 'function') return 'web-worker';
  return 'unknown';
}

/** The probed features plus where the code runs. */
export function platform(): Platform {
  return {
    ...features(),
    environment: environment(),
    node: nodeVersion(),
    crossOriginIsolated: browser.crossOriginIsolated,
  };
}
