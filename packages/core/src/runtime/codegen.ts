// SPDX-License-Identifier: MIT
// Whether this environment lets code be generated at run time (`new Function`). A page whose
// Content-Security-Policy lacks 'unsafe-eval' makes `new Function` throw EvalError; Loom then
// builds its eager kernels from closures (kernels/expr_closure.ts), rebuilds trees without
// specialised functions and interprets jitted programs. Probed once and cached.

let probed: boolean | undefined;
let forced: boolean | undefined;

function probe(): boolean {
  try {
    return new Function('return 1')() === 1;
  } catch {
    // EvalError under a CSP; any other refusal means the same thing for Loom.
    return false;
  }
}

/** True where `new Function` works (false under a CSP without 'unsafe-eval'). */
export function canGenerateCode(): boolean {
  if (forced !== undefined) return !forced;
  probed ??= probe();
  return probed;
}

/**
 * Makes Loom behave as under a CSP without 'unsafe-eval' (`true`), or probe again (`undefined`).
 * Kernels already built keep their form: set this before the operations under test first run.
 */
export function forbidCodeGeneration(forbid: boolean | undefined): void {
  forced = forbid;
}
