// SPDX-License-Identifier: MIT
import type { ShapedArray } from '../tensor/aval.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Params, Primitive } from '../trace/primitive.js';

/** A typed variable of the IR, bound exactly once. */
export class Var {
  constructor(readonly aval: ShapedArray) {}
}

/** An inlined scalar constant. */
export class Lit {
  constructor(
    readonly value: number,
    readonly aval: ShapedArray,
  ) {}
}

export type Atom = Var | Lit;

/** One primitive application: `outBinders = prim[params] inputs`. */
export interface Eqn {
  readonly prim: Primitive;
  readonly inputs: readonly Atom[];
  readonly params: Params;
  readonly outBinders: readonly Var[];
}

/**
 * A typed, single-assignment program in A-normal form (JAX's "jaxpr"). The first `numConsts`
 * input binders stand for captured constants (the weights a function closes over), the rest for
 * its arguments.
 */
export class Jaxpr {
  constructor(
    readonly inBinders: readonly Var[],
    readonly eqns: readonly Eqn[],
    readonly outs: readonly Atom[],
  ) {}

  get inAvals(): ShapedArray[] {
    return this.inBinders.map((v) => v.aval);
  }

  get outAvals(): ShapedArray[] {
    return this.outs.map((v) => v.aval);
  }
}

/** A jaxpr together with the values of its leading constant binders. */
export class ClosedJaxpr {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly consts: readonly Tensor[],
  ) {}

  /** Avals of the non-constant inputs. */
  get inAvals(): ShapedArray[] {
    return this.jaxpr.inAvals.slice(this.consts.length);
  }

  get outAvals(): ShapedArray[] {
    return this.jaxpr.outAvals;
  }
}

/** How many times each variable is read by `eqns` and listed among `outs`. */
export function useCounts(eqns: readonly Eqn[], outs: readonly Atom[]): Map<Var, number> {
  const uses = new Map<Var, number>();
  const note = (a: Atom) => {
    if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
  };
  for (const e of eqns) for (const a of e.inputs) note(a);
  for (const a of outs) note(a);
  return uses;
}
