// SPDX-License-Identifier: MIT
// Compiles a jaxpr: plan it once (compile/plan.ts), then lower the plan to WebAssembly (SIMD
// kernels, GEMMs, loops in one module) or to JavaScript source. The result takes and returns
// typed arrays; jit wraps it in tensors.
import type { Jaxpr } from '../ir/jaxpr.js';
import type { TypedArray } from '../tensor/dtype.js';
import { emitJavaScript } from './js/program.js';
import { planProgram } from './plan.js';
import { chooseBackend } from './wasm/choose.js';
import { UnsupportedInWasm } from './wasm/layout.js';
import { emitWasm } from './wasm/program.js';

/** Which lowering runs a program: chosen per program by `'auto'`, or forced. */
export type Backend = 'auto' | 'js' | 'wasm';

export const BACKENDS: readonly Backend[] = ['auto', 'js', 'wasm'];

export interface CompileOptions {
  /** `'auto'` (default) picks per program; `'js'` and `'wasm'` force a lowering. */
  readonly backend?: Backend;
}

export interface CompiledProgram {
  /** Runs the program; outputs are fresh arrays (inputs are never written). */
  run(inputs: readonly TypedArray[]): TypedArray[];
  /** The lowering that runs it. */
  readonly backend: 'js' | 'wasm';
  /** Why that lowering was chosen (or why the requested one was not possible). */
  readonly reason: string;
  /** The generated JavaScript, or a summary of the WebAssembly module. */
  readonly source: string;
  /** Preallocated bytes of temporary buffers. */
  readonly bufferBytes: number;
}

/**
 * Compiles `jaxpr`. `constants` are the values of its leading inputs when they are fixed (a
 * jitted function's captured constants): constant-filled ones become literals.
 */
export function compileJaxpr(
  jaxpr: Jaxpr,
  name = 'compiled',
  constants: readonly TypedArray[] = [],
  options: CompileOptions = {},
): CompiledProgram {
  const choice = chooseBackend(jaxpr, options.backend ?? 'auto');
  if (choice.backend === 'wasm') {
    try {
      const plan = planProgram(jaxpr, constants, { target: 'wasm' });
      return emitWasm(plan, name, choice.reason, { relaxed: choice.relaxed });
    } catch (e) {
      if (!(e instanceof UnsupportedInWasm || e instanceof WebAssembly.CompileError)) throw e;
      const why = `JavaScript: the WebAssembly lowering cannot express this program (${e.message})`;
      return emitJavaScript(planProgram(jaxpr, constants), name, why);
    }
  }
  return emitJavaScript(planProgram(jaxpr, constants), name, choice.reason);
}
