// SPDX-License-Identifier: MIT
// Planning shared by every lowering: lower each equation to steps (fusion, views, control flow),
// decide where outputs are computed, and give temporaries slots by liveness. The JavaScript and
// WebAssembly lowerings then emit code for the same plan.
import type { Jaxpr } from '../ir/jaxpr.js';
import type { TypedArray } from '../tensor/dtype.js';
import { allocate, type Slot } from './allocate.js';
import { copyInto } from './array_kernels.js';
import { assemblePads } from './assemble_pads.js';
import { Lowering } from './lower.js';
import { prune } from './prune.js';
import { FUSION_RULES, LOWERING_RULES } from './rules/index.js';
import { fissionScans } from './scan_fission.js';
import type { Step } from './steps.js';
import { type ArrayValue, Buf, contiguous, isContiguous, type Value, ZERO } from './values.js';

/** How the program produces output k: an input returned as is, or a fresh array. */
export type ResultSource =
  | { readonly kind: 'input'; readonly buf: Buf }
  | { readonly kind: 'fresh'; readonly out: ArrayValue };

export interface Plan {
  readonly lo: Lowering;
  readonly steps: readonly Step[];
  /** The buffer of each program input, or null where a constant became a literal. */
  readonly inputs: readonly (Buf | null)[];
  readonly results: readonly ResultSource[];
  readonly slots: readonly Slot[];
}

export interface PlanOptions {
  /** The lowering the plan is for (see `Lowering.target`); default `'js'`. */
  readonly target?: 'js' | 'wasm';
}

/** The single value every element of `a` holds, if there is one (zeros, ones, ...). */
function splat(a: TypedArray): number | null {
  if (a.length === 0) return null;
  const v = a[0];
  for (let i = 1; i < a.length; i++) if (a[i] !== v) return null;
  return Number.isNaN(v) ? null : v;
}

/**
 * Plans `jaxpr`. `constants` are the values of its leading inputs when they are fixed (a
 * jitted function's captured constants): constant-filled ones (the zeros that start gradient
 * accumulators, say) become literals, folded into the code.
 */
export function planProgram(
  jaxpr: Jaxpr,
  constants: readonly TypedArray[] = [],
  options: PlanOptions = {},
): Plan {
  const lo = new Lowering(LOWERING_RULES, FUSION_RULES, options.target ?? 'js');
  const inputBufs: (Buf | null)[] = [];
  const inputs: Value[] = jaxpr.inBinders.map((v, i) => {
    const value = i < constants.length ? splat(constants[i]) : null;
    if (value !== null) {
      inputBufs.push(null);
      return { kind: 'lit', value, dtype: v.aval.dtype, shape: v.aval.shape };
    }
    const buf = new Buf('input', v.aval.dtype, v.aval.size, `in${i}`);
    inputBufs.push(buf);
    return contiguous(buf, v.aval.shape);
  });
  const steps: Step[] = [];
  const outs = lo.lowerBlock(prune(fissionScans(assemblePads(prune(jaxpr)))), inputs, steps);
  // Each output is a fresh array per call: computed straight into it when its producer is a
  // top-level kernel, else copied; an input returned as is stays that same (immutable) array.
  const results: ResultSource[] = [];
  const finalReads: Buf[] = [];
  outs.forEach((v, k) => {
    const aval = jaxpr.outs[k].aval;
    if (
      v.kind === 'array' &&
      (v.buf.kind === 'input' || v.buf.kind === 'external') &&
      !v.buf.forward &&
      isContiguous(v) &&
      v.off.c === 0 &&
      v.off.terms.length === 0 &&
      v.buf.size === aval.size
    ) {
      results.push({ kind: 'input', buf: v.buf });
      return;
    }
    const out = contiguous(new Buf('output', aval.dtype, aval.size, `o${k}`), aval.shape);
    results.push({ kind: 'fresh', out });
    // Any temp defined at top level qualifies, including a scan's carry or stacked ys buffer:
    // the loop then writes straight into the array returned to the caller.
    const producer =
      v.kind === 'array' &&
      v.buf.kind === 'temp' &&
      !v.buf.forward &&
      isContiguous(v) &&
      v.off.c === 0 &&
      v.off.terms.length === 0 &&
      v.buf.size === aval.size &&
      steps.some((s) => s.writes.includes(v.buf));
    if (producer) v.buf.forward = { buf: out.buf, off: ZERO };
    else steps.push(copyInto(v, out));
    if (v.kind === 'array') finalReads.push(v.buf);
  });
  const slots = allocate(steps, finalReads, { holdLoopTemps: options.target === 'wasm' });
  return { lo, steps, inputs: inputBufs, results, slots };
}
