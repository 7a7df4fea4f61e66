// SPDX-License-Identifier: MIT
// Primitives without a code generator (random bits, sort, ...) call their eager kernel from the
// generated code: correct for every primitive, and the hot ones are generated instead. A rule
// may give other lowerings a native spec while JavaScript still calls the eager kernel
// (indexing.ts: gather, scatter_add, iota).
import type { Eqn } from '../../ir/jaxpr.js';
import { ConcreteTensor } from '../../tensor/concrete.js';
import { allocate } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import type { Primitive } from '../../trace/primitive.js';
import type { FallbackFn, Lowering, LoweringRule } from '../lower.js';
import { type KernelSpec, kernel, type Step } from '../steps.js';
import { type ArrayValue, location, renderOffset, type Value } from '../values.js';

/**
 * The spec a non-JavaScript lowering gets for a kernel with these operands, or null for a call
 * of the eager kernel (`kind: 'fallback'`).
 */
export type NativeSpec = (
  inputs: readonly Value[],
  outs: readonly ArrayValue[],
) => KernelSpec | null;

export const fallbackRule: LoweringRule = (lo, eqn, ins, steps) =>
  fallbackKernel(lo, eqn, ins, steps);

/**
 * Lowers `eqn` to a call of its eager kernel in JavaScript; other lowerings generate
 * `native`'s spec when it gives one.
 */
export function fallbackKernel(
  lo: Lowering,
  eqn: Eqn,
  ins: Value[],
  steps: Step[],
  native?: NativeSpec,
): Value[] {
  const inputs = ins.map((v) => (v.kind === 'lit' ? v : lo.contiguous(v, steps)));
  const outs = eqn.outBinders.map((v) => lo.external(v.aval.dtype, v.aval.shape));
  const inAvals = eqn.inputs.map((a) => a.aval);
  const outAvals = eqn.outBinders.map((v) => v.aval);
  // Literal operands become constant tensors once, at compile time.
  const fixed = inputs.map((v) =>
    v.kind === 'lit'
      ? new ConcreteTensor(allocate(v.dtype, sizeOf(v.shape)).fill(v.value), v.shape)
      : null,
  );
  const prim = eqn.prim as Primitive;
  const call: FallbackFn = (arrays) =>
    prim
      .impl(
        arrays.map((a, i) => fixed[i] ?? new ConcreteTensor(a!, inAvals[i].shape)),
        eqn.params,
        outAvals,
      )
      .map((t) => t.buffer);
  const index = lo.fallbacks.push(call) - 1;
  const arrays = inputs.filter((v): v is ArrayValue => v.kind === 'array');
  steps.push(
    kernel(
      arrays,
      outs.map((o) => o.buf),
      (w) => {
        const args = inputs.map((v) => {
          if (v.kind !== 'array') return 'null';
          const l = location(v);
          const start = renderOffset(l.off);
          return `${l.name}.subarray(${start}, ${start} + ${sizeOf(v.shape)})`;
        });
        w.line(`// ${eqn.prim.name}, by its eager kernel`);
        w.line(
          `[${outs.map((o) => location(o).name).join(', ')}] = fb[${index}]([${args.join(', ')}]);`,
        );
      },
      new Set(),
      native?.(inputs, outs) ?? { kind: 'fallback', index, name: eqn.prim.name, inputs, outs },
    ),
  );
  return outs;
}
