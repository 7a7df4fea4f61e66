// SPDX-License-Identifier: MIT
// Compiles a jaxpr into one JavaScript function: lower every equation to steps, plan buffers,
// then write the source. The result takes and returns typed arrays; jit wraps it in tensors.
import type { Jaxpr } from '../ir/jaxpr.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { allocate } from './allocate.js';
import { copyInto, type FallbackFn, Lowering } from './lower.js';
import { prune } from './prune.js';
import { FUSION_RULES, LOWERING_RULES } from './rules/index.js';
import { SourceWriter } from './source.js';
import { type Step, walkSteps } from './steps.js';
import { type ArrayValue, Buf, contiguous, isContiguous, type Value, ZERO } from './values.js';

export interface CompiledProgram {
  /** Runs the program; outputs are fresh arrays (inputs are never written). */
  run(inputs: readonly TypedArray[]): TypedArray[];
  /** The generated JavaScript. */
  readonly source: string;
  /** Preallocated bytes of temporary buffers. */
  readonly bufferBytes: number;
}

const ARRAY: Record<DType, string> = {
  float32: 'Float32Array',
  float64: 'Float64Array',
  int32: 'Int32Array',
  bool: 'Uint8Array',
};

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

function emitSteps(w: SourceWriter, steps: readonly Step[]): void {
  // Recursion depth is the nesting depth of control flow, not the program length.
  for (const s of steps) {
    if (s.kind === 'kernel') s.emit(w);
    else s.emit(w, (block) => emitSteps(w, block));
  }
}

/** The single value every element of `a` holds, if there is one (zeros, ones, ...). */
function splat(a: TypedArray): number | null {
  if (a.length === 0) return null;
  const v = a[0];
  for (let i = 1; i < a.length; i++) if (a[i] !== v) return null;
  return Number.isNaN(v) ? null : v;
}

/**
 * Compiles `jaxpr`. `constants` are the values of its leading inputs when they are fixed (a
 * jitted function's captured constants): constant-filled ones (the zeros that start gradient
 * accumulators, say) become literals, folded into the code.
 */
export function compileJaxpr(
  jaxpr: Jaxpr,
  name = 'compiled',
  constants: readonly TypedArray[] = [],
): CompiledProgram {
  const lo = new Lowering(LOWERING_RULES, FUSION_RULES);
  const inputs: Value[] = jaxpr.inBinders.map((v, i) => {
    const value = i < constants.length ? splat(constants[i]) : null;
    if (value !== null) return { kind: 'lit', value, dtype: v.aval.dtype, shape: v.aval.shape };
    return contiguous(new Buf('input', v.aval.dtype, v.aval.size, `in${i}`), v.aval.shape);
  });
  const steps: Step[] = [];
  const outs = lo.lowerBlock(prune(jaxpr), inputs, steps);
  // Each output is a fresh array per call: computed straight into it when its producer is a
  // top-level kernel, else copied; an input returned as is stays that same (immutable) array.
  const results: string[] = [];
  const fresh: ArrayValue[] = [];
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
      results.push(v.buf.name!);
      return;
    }
    const out = contiguous(new Buf('output', aval.dtype, aval.size, `o${k}`), aval.shape);
    fresh.push(out);
    results.push(`o${k}`);
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
  const slots = allocate(steps, finalReads);

  const w = new SourceWriter();
  w.line('"use strict";');
  for (const s of slots) w.line(`const ${s.name} = new ${ARRAY[s.dtype]}(${s.size});`);
  // Each top-level loop nest becomes its own function with its arrays as parameters: V8
  // optimises small functions quickly and well, where one huge function with many loops keeps
  // tiering up mid-loop (on-stack replacement) and bailing out again.
  const main = new SourceWriter();
  steps.forEach((step, k) => {
    const part = main.sibling();
    emitSteps(part, [step]);
    const text = part.toString();
    if (!/\bfor \(/.test(text)) {
      for (const line of text.split('\n')) main.line(line);
      return;
    }
    const local = new Set<string>();
    if (step.kind === 'region') {
      for (const inner of walkSteps(step.blocks.flat())) {
        for (const b of inner.writes) if (b.kind === 'external') local.add(b.name!);
      }
    }
    const params = [...new Set(text.match(/\b(?:s|in|o|e)\d+\b/g) ?? [])].filter(
      (n) => !local.has(n),
    );
    const fn = `step${k}`;
    w.block(`function ${fn}(${params.join(', ')})`, () => {
      if (local.size > 0) w.line(`let ${[...local].join(', ')};`);
      for (const line of text.split('\n')) w.line(line);
    });
    main.line(`${fn}(${params.join(', ')});`);
  });
  w.block(`return function ${name.replace(/\W/g, '_')}(ins)`, () => {
    for (let i = 0; i < jaxpr.inBinders.length; i++) w.line(`const in${i} = ins[${i}];`);
    if (lo.externals.length > 0) w.line(`let ${lo.externals.join(', ')};`);
    // All outputs of a call share one fresh ArrayBuffer: one allocation instead of one each.
    let bytes = 0;
    const at: number[] = [];
    for (const o of fresh) {
      at.push(bytes);
      bytes += Math.ceil((o.buf.size * BYTES[o.dtype]) / 8) * 8;
    }
    if (fresh.length > 0) w.line(`const out = new ArrayBuffer(${bytes});`);
    fresh.forEach((o, k) => {
      w.line(`const ${o.buf.name} = new ${ARRAY[o.dtype]}(out, ${at[k]}, ${o.buf.size});`);
    });
    for (const line of main.toString().split('\n')) if (line) w.line(line);
    w.line(`return [${results.join(', ')}];`);
  });
  const source = w.toString();
  const make = new Function('fb', source) as (fb: FallbackFn[]) => CompiledProgram['run'];
  return {
    run: make(lo.fallbacks),
    source,
    bufferBytes: slots.reduce((n, s) => n + s.size * BYTES[s.dtype], 0),
  };
}
