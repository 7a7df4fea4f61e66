// SPDX-License-Identifier: MIT
// Which lowering runs a program. WebAssembly pays off once a program does real arithmetic (a
// matrix product of some size, long elementwise loops); tiny programs (the 16-unit adder) run
// as fast or faster as JavaScript, with no copies into wasm memory. `lower()` shows the reason.

import type { Jaxpr } from '../../ir/jaxpr.js';
import { forEachEqn } from '../../ir/walk.js';
import type { DotGeneralParams } from '../../prims/dot_general.js';
import { envVar } from '../../runtime/env.js';
import { features } from '../../runtime/features.js';
import type { Backend } from '../program.js';

export interface BackendChoice {
  readonly backend: 'js' | 'wasm';
  readonly reason: string;
  readonly relaxed: boolean;
}

/** A product with at least this many multiply-adds (m·n·k) makes `'auto'` pick wasm. */
export const AUTO_WASM_MACS = 32 * 32 * 32;

/** The largest m·n·k of the program's matrix products, looking inside control flow. */
function largestProduct(jaxpr: Jaxpr): number {
  let largest = 0;
  forEachEqn(jaxpr, (eqn) => {
    if (eqn.prim.name !== 'dot_general') return;
    const p = eqn.params as DotGeneralParams;
    const lhs = eqn.inputs[0].aval.shape;
    const out = eqn.outBinders[0].aval.size;
    const k = p.lhsContracting.reduce((n, a) => n * lhs[a], 1);
    largest = Math.max(largest, out * k);
  });
  return largest;
}

/**
 * `'auto'` can be pinned for a whole process with `LOOM_JIT_BACKEND=js` or `=wasm` (the test
 * suites run once per backend this way); an explicit `backend` option always wins.
 */
function fromEnvironment(requested: Backend): Backend {
  const pinned = envVar('LOOM_JIT_BACKEND');
  return requested === 'auto' && (pinned === 'js' || pinned === 'wasm') ? pinned : requested;
}

export function chooseBackend(jaxpr: Jaxpr, asked: Backend): BackendChoice {
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
  const macs = largestProduct(jaxpr);
  if (macs >= AUTO_WASM_MACS) {
    return {
      backend: 'wasm',
      reason: `WebAssembly ${simd}: its largest matrix product has ${macs} multiply-adds (auto picks wasm from ${AUTO_WASM_MACS})`,
      relaxed,
    };
  }
  return {
    backend: 'js',
    reason: `JavaScript: its largest matrix product has ${macs} multiply-adds, below the ${AUTO_WASM_MACS} from which auto picks WebAssembly`,
    relaxed,
  };
}
