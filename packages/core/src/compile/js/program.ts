// SPDX-License-Identifier: MIT
// The JavaScript lowering: a plan becomes the source of one function (`new Function`) that takes
// and returns typed arrays. Each top-level loop nest is its own small function.
import { SPECIAL_MATH_NAME, specialMath } from '../../kernels/special_math.js';
import type { DType } from '../../tensor/dtype.js';
import type { Plan } from '../plan.js';
import type { CompiledProgram } from '../program.js';
import { SourceWriter } from '../source.js';
import { type Step, walkSteps } from '../steps.js';

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

/** Writes the plan as JavaScript and makes it a function (throws EvalError under a strict CSP). */
export function emitJavaScript(plan: Plan, name: string, reason: string): CompiledProgram {
  const { lo, steps, slots } = plan;
  const fresh = plan.results.flatMap((r) => (r.kind === 'fresh' ? [r.out] : []));
  const results = plan.results.map((r) => (r.kind === 'input' ? r.buf.name! : r.out.buf.name!));
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
    plan.inputs.forEach((b, i) => {
      if (b) w.line(`const in${i} = ins[${i}];`);
    });
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
  // Fused expressions may call `SpecialMath.<fn>` (kernels/special_math.ts).
  const make = new Function('fb', SPECIAL_MATH_NAME, source) as (
    fb: typeof lo.fallbacks,
    special: typeof specialMath,
  ) => CompiledProgram['run'];
  return {
    run: make(lo.fallbacks, specialMath),
    backend: 'js',
    reason,
    source,
    bufferBytes: slots.reduce((n, s) => n + s.size * BYTES[s.dtype], 0),
  };
}
