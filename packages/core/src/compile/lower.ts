// SPDX-License-Identifier: MIT
// Lowers a jaxpr to steps: each equation goes through its primitive's lowering rule. Elementwise
// results read by one elementwise consumer of the same shape (x·x reads x twice, still one) are
// not materialised: they become expressions computed inside the consumer's loop, so a chain of
// them is one loop. A reduction's loop computes its elementwise input too.
import type { Atom, Eqn, Jaxpr, Var } from '../ir/jaxpr.js';
import { Lit } from '../ir/jaxpr.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { type Shape, sizeOf } from '../tensor/shape.js';
import { accumulateProduct } from './accumulate_product.js';
import { copyKernel, fusedKernel } from './array_kernels.js';
import { elementwiseExpr, isElementwise } from './expr.js';
import { REDUCTIONS } from './rules/reduce.js';
import type { Step } from './steps.js';
import {
  type ArrayValue,
  Buf,
  contiguous,
  type ExprValue,
  isContiguous,
  type Value,
} from './values.js';

/** Lowers one equation: returns the values of its outputs, pushing any code onto `steps`. */
export type LoweringRule = (lo: Lowering, eqn: Eqn, inputs: Value[], steps: Step[]) => Value[];

/**
 * Lowers a (non-elementwise) equation whose result is used once by an elementwise consumer of
 * the same shape to an expression fused into that consumer's loop, or declines with null.
 */
export type FusionRule = (
  lo: Lowering,
  eqn: Eqn,
  inputs: Value[],
  steps: Step[],
) => ExprValue | null;

/** A primitive run by its eager kernel, called from generated code (see rules/fallback.ts). */
export type FallbackFn = (arrays: (TypedArray | null)[]) => TypedArray[];

export class Lowering {
  /** Eager-kernel calls the generated code makes, by index. */
  readonly fallbacks: FallbackFn[] = [];
  /** `let` variables holding arrays made per call (fallback results, outputs). */
  readonly externals: string[] = [];
  #names = 0;

  constructor(
    readonly rules: ReadonlyMap<string, LoweringRule>,
    readonly fusionRules: ReadonlyMap<string, FusionRule>,
    /**
     * The lowering the plan is for. With `'wasm'`, fallback results become planned temps (all
     * buffers live in one linear memory) and larger products stay GEMMs instead of fusing.
     */
    readonly target: 'js' | 'wasm' = 'js',
  ) {}

  name(prefix: string): string {
    return `${prefix}${this.#names++}`;
  }

  temp(dtype: DType, shape: Shape): ArrayValue {
    return contiguous(new Buf('temp', dtype, sizeOf(shape)), shape);
  }

  external(dtype: DType, shape: Shape): ArrayValue {
    if (this.target === 'wasm') return this.temp(dtype, shape);
    const name = this.name('e');
    this.externals.push(name);
    return contiguous(new Buf('external', dtype, sizeOf(shape), name), shape);
  }

  /** Lowers `jaxpr` with its inputs bound to `inputs`; returns the values of its outputs. */
  lowerBlock(jaxpr: Jaxpr, inputs: readonly Value[], steps: Step[]): Value[] {
    const env = new Map<Var, Value>();
    jaxpr.inBinders.forEach((v, i) => {
      env.set(v, inputs[i]);
    });
    // The one equation that reads each variable (x·x reads x twice, still one reader), or null
    // when several equations or the block's outputs read it.
    const soleReader = new Map<Var, Eqn | null>();
    const count = (a: Atom, eqn: Eqn | null) => {
      if (a instanceof Lit) return;
      soleReader.set(a, soleReader.has(a) && soleReader.get(a) !== eqn ? null : eqn);
    };
    for (const eqn of jaxpr.eqns) for (const a of eqn.inputs) count(a, eqn);
    for (const a of jaxpr.outs) count(a, null);
    const read = (a: Atom): Value =>
      a instanceof Lit
        ? { kind: 'lit', value: a.value, dtype: a.aval.dtype, shape: a.aval.shape }
        : env.get(a)!;
    const usedOnce = (a: Atom) => {
      const reader = a instanceof Lit ? undefined : soleReader.get(a);
      return reader != null && countIn(reader, a) === 1;
    };
    // Whether v becomes an expression in its reader's loop: an elementwise reader of the same
    // shape, or, for an elementwise v, a reduction.
    const fusible = (v: Var, producedElementwise = true): boolean => {
      let c = soleReader.get(v);
      // A transpose or reshape in between is applied to the expression's reads instead.
      while (c && EXPR_VIEWS.has(c.prim.name)) {
        v = c.outBinders[0];
        c = soleReader.get(v);
      }
      if (!c) return false;
      if (REDUCTIONS.has(c.prim.name)) return producedElementwise;
      return (
        isElementwise(c) &&
        c.outBinders[0].aval.shape.length === v.aval.shape.length &&
        c.outBinders[0].aval.shape.every((n, d) => n === v.aval.shape[d])
      );
    };
    for (const eqn of jaxpr.eqns) {
      const ins = eqn.inputs.map(read);
      let outs: Value[];
      if (isElementwise(eqn)) {
        const accumulated =
          this.target === 'wasm' && eqn.prim.name === 'add' && !fusible(eqn.outBinders[0])
            ? accumulateProduct(this, eqn, ins, steps, usedOnce)
            : null;
        const expr = elementwiseExpr(eqn, ins);
        outs = [accumulated ?? (fusible(eqn.outBinders[0]) ? expr : this.materialize(expr, steps))];
      } else {
        const fuse = this.fusionRules.get(eqn.prim.name);
        const expr = fuse && fusible(eqn.outBinders[0], false) ? fuse(this, eqn, ins, steps) : null;
        const rule = this.rules.get(eqn.prim.name) ?? this.rules.get('*fallback')!;
        outs = expr ? [expr] : rule(this, eqn, ins, steps);
      }
      eqn.outBinders.forEach((v, i) => {
        env.set(v, outs[i]);
      });
    }
    return jaxpr.outs.map(read);
  }

  /** An array holding `v` (lits and fused expressions are computed into a fresh temp). */
  materialize(v: Value, steps: Step[]): ArrayValue {
    if (v.kind === 'array') return v;
    const out = this.temp(v.dtype, v.shape);
    steps.push(fusedKernel(v, out));
    return out;
  }

  /** An array holding `v` contiguously (strided views are copied). */
  contiguous(v: Value, steps: Step[]): ArrayValue {
    const a = this.materialize(v, steps);
    if (isContiguous(a)) return a;
    const out = this.temp(a.dtype, a.shape);
    steps.push(copyKernel(a, out));
    return out;
  }
}

/** Layout primitives that a fused expression can pass through (see `viewExpr`). */
const EXPR_VIEWS = new Set(['transpose', 'reshape']);

/** How many of `eqn`'s operands are `a`. */
const countIn = (eqn: Eqn, a: Atom) => eqn.inputs.filter((x) => x === a).length;
