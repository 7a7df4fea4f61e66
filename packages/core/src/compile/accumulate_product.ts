// SPDX-License-Identifier: MIT
// Fusing `x + A·B` into one accumulating GEMM (WebAssembly plans only).
import type { Atom, Eqn } from '../ir/jaxpr.js';
import { sizeOf, stridesOf } from '../tensor/shape.js';
import type { Lowering } from './lower.js';
import { type Kernel, type KernelSpec, kernel, type Step } from './steps.js';
import { type ArrayValue, isContiguous, type Value } from './values.js';

/**
 * `x + A·B` where the product was just computed for this add alone (a weight gradient summed
 * over time steps in a backward scan): one GEMM that accumulates into the sum instead of a
 * product, a temporary and an add. A product read transposed is computed transposed (Bᵀ·Aᵀ).
 * The sum may take x's buffer when x dies here, so a carry is updated in place.
 */
export function accumulateProduct(
  lo: Lowering,
  eqn: Eqn,
  ins: Value[],
  steps: Step[],
  usedOnce: (a: Atom) => boolean,
): ArrayValue | null {
  const shape = eqn.outBinders[0].aval.shape;
  for (const i of [0, 1]) {
    const d = ins[i];
    const x = ins[1 - i];
    if (d.kind !== 'array' || x.kind !== 'array' || !usedOnce(eqn.inputs[i])) continue;
    // The product's kernel, in this block; it moves here (its operands are SSA values that
    // nothing between rewrites, and nothing else reads its result).
    const at = steps.findIndex(
      (st) => st.kind === 'kernel' && st.spec?.kind === 'dot' && st.spec.out.buf === d.buf,
    );
    if (at < 0) continue;
    const dot = (steps[at] as Kernel).spec as Extract<KernelSpec, { kind: 'dot' }>;
    if (d.buf.forward || d.off.c !== 0 || d.off.terms.length > 0) continue;
    if (x.dtype !== d.dtype || !isContiguous(x) || sizeOf(x.shape) !== sizeOf(shape)) continue;
    if ([dot.lhs.buf, dot.rhs.buf].some((b) => b.root() === x.buf.root())) continue;
    const p = dot.params as {
      lhsContracting: readonly number[];
      rhsContracting: readonly number[];
      lhsBatch: readonly number[];
      rhsBatch: readonly number[];
    };
    const equal = (a: readonly number[], b: readonly number[]) =>
      a.length === b.length && a.every((n, k) => n === b[k]);
    if (!equal(d.shape, shape) || !equal(x.shape, shape)) continue;
    const produced = dot.out.shape;
    const same = equal(produced, shape) && equal(d.strides, stridesOf(shape));
    const transposed =
      !same &&
      shape.length === 2 &&
      p.lhsBatch.length === 0 &&
      equal(produced, [shape[1], shape[0]]) &&
      equal(d.strides, [1, shape[0]]);
    if (!same && !transposed) continue;
    const out = lo.temp(x.dtype, shape);
    const [lhs, rhs] = transposed ? [dot.rhs, dot.lhs] : [dot.lhs, dot.rhs];
    const params = transposed
      ? {
          lhsContracting: p.rhsContracting,
          rhsContracting: p.lhsContracting,
          lhsBatch: p.rhsBatch,
          rhsBatch: p.lhsBatch,
        }
      : dot.params;
    steps.splice(at, 1);
    steps.push(
      kernel(
        [lhs, rhs, x],
        [out.buf],
        () => {
          throw new Error('an accumulating product exists only in wasm plans');
        },
        new Set([x.buf]),
        { kind: 'dot', params, lhs, rhs, out, accumulate: x },
      ),
    );
    return out;
  }
  return null;
}
