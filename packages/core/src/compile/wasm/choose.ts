// SPDX-License-Identifier: MIT
// Which lowering runs a program. Measured (packages/bench), the WebAssembly lowering beats the
// JavaScript one from the smallest workload up: the 16-unit adder's training step ran 1.8× as
// fast, its forward call in 0.63× the time, a 16-element add in half the time; only an 8×8
// matmul alone was even. So 'auto' is WebAssembly wherever it can run, JavaScript elsewhere.
// `lower()` shows the reason.
import type { Jaxpr } from '../../ir/jaxpr.js';
import { envVar } from '../../runtime/env.js';
import { features } from '../../runtime/features.js';
import type { Backend } from '../program.js';

export interface BackendChoice {
  readonly backend: 'js' | 'wasm';
  readonly reason: string;
  readonly relaxed: boolean;
}

/**
 * `'auto'` can be pinned for a whole process with `LOOM_JIT_BACKEND=js` or `=wasm` (the test
 * suites run once per backend this way); an explicit `backend` option always wins.
 */
function fromEnvironment(requested: Backend): Backend {
  const pinned = envVar('LOOM_JIT_BACKEND');
  return requested === 'auto' && (pinned === 'js' || pinned === 'wasm') ? pinned : requested;
}

export function chooseBackend(_jaxpr: Jaxpr, asked: Backend): BackendChoice {
  const requested = fromEnvironment(asked);
  const how = asked === requested ? 'requested with' : 'pinned by LOOM_JIT_BACKEND, as';
  if (requested === 'js') {
    return { backend: 'js', reason: `JavaScript: ${how} backend: 'js'`, relaxed: false };
  }
  const f = features();
  const missing = !f.wasm
    ? 'WebAssembly is unavailable or disabled (LOOM_WASM=0)'
    : !f.simd
      ? 'this runtime has no WebAssembly SIMD'
      : !f.canCompileWasm
        ? "compiling WebAssembly is forbidden here (a Content-Security-Policy without 'wasm-unsafe-eval')"
        : null;
  if (missing) return { backend: 'js', reason: `JavaScript: ${missing}`, relaxed: false };
  const relaxed = f.relaxedSimd;
  const simd = relaxed ? 'SIMD with relaxed FMA' : 'SIMD';
  if (requested === 'wasm') {
    return { backend: 'wasm', reason: `WebAssembly ${simd}: ${how} backend: 'wasm'`, relaxed };
  }
  return {
    backend: 'wasm',
    reason: `WebAssembly ${simd}: 'auto' picks it wherever it can run (faster than JavaScript from the smallest benchmark up)`,
    relaxed,
  };
}
