// SPDX-License-Identifier: MIT
// Transformations of whole jaxprs, used by higher-order primitives (scan, cond) to transform the
// programs they hold: JVP of a body, known/unknown splitting, dead-code elimination.

import { evalJaxpr } from '../ir/eval.js';
import { type Atom, type ClosedJaxpr, type Eqn, Jaxpr, Var } from '../ir/jaxpr.js';
import { traceToJaxpr } from '../ir/staging.js';
import { zeros } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { jvpFlat } from './jvp.js';

/**
 * JVP of a jaxpr: a new closed jaxpr taking [primals..., tangents of the `nonzeros` inputs...]
 * and returning [primal outs..., tangents of the outputs that are non-zero...]. When
 * `instantiate[i]` is set, output i's tangent is returned even if it is zero.
 */
export function jvpJaxpr(
  jaxpr: Jaxpr,
  nonzeros: readonly boolean[],
  instantiate: readonly boolean[],
): { jaxpr: ClosedJaxpr; outNonzeros: boolean[] } {
  const inAvals = jaxpr.inAvals;
  const tangentAvals = inAvals.filter((_, i) => nonzeros[i]);
  let outNonzeros: boolean[] = [];
  const closed = traceToJaxpr(
    (...args: Tensor[]) => {
      const primals = args.slice(0, inAvals.length);
      let k = inAvals.length;
      const tangents = nonzeros.map((nz) => (nz ? args[k++] : null));
      const [outs, touts] = jvpFlat((...xs) => evalJaxpr(jaxpr, xs), primals, tangents);
      outNonzeros = touts.map((t, i) => t !== null || instantiate[i]);
      const tangentOuts = touts
        .map((t, i) => t ?? (instantiate[i] ? zeros(outs[i].shape, outs[i].dtype) : null))
        .filter((t): t is Tensor => t !== null);
      return [...outs, ...tangentOuts];
    },
    [...inAvals, ...tangentAvals],
    'jvp of a body',
  );
  return { jaxpr: closed, outNonzeros };
}

/**
 * Splits a jaxpr into a known part and an unknown part (Autodidax's partial_eval_jaxpr):
 *   known:   [known inputs]                 -> [known outputs, residuals]
 *   unknown: [residuals, unknown inputs]    -> [unknown outputs]
 * Residuals are the known values the unknown equations read. `instantiate[i]` forces output i
 * to the unknown side (its known value then travels as a residual).
 */
export function partialEvalJaxpr(
  jaxpr: Jaxpr,
  unknownIns: readonly boolean[],
  instantiate: readonly boolean[],
): { known: Jaxpr; unknown: Jaxpr; outUnknowns: boolean[]; numResiduals: number } {
  const unknown = new Set<Var>();
  const residuals: Var[] = [];
  const residualSet = new Set<Var>();
  const knownEqns: Eqn[] = [];
  const unknownEqns: Eqn[] = [];
  const isUnknown = (a: Atom) => a instanceof Var && unknown.has(a);
  const asResidual = (a: Atom) => {
    if (a instanceof Var && !unknown.has(a) && !residualSet.has(a)) {
      residualSet.add(a);
      residuals.push(a);
    }
  };
  jaxpr.inBinders.forEach((v, i) => {
    if (unknownIns[i]) unknown.add(v);
  });
  for (const eqn of jaxpr.eqns) {
    const unks = eqn.inputs.map(isUnknown);
    const split = eqn.prim.higherOrder?.partialEvalJaxpr as PartialEvalJaxprRule | undefined;
    if (split && unks.some((u) => u)) {
      const r = split(eqn, unks);
      knownEqns.push(...r.known);
      if (r.unknown) unknownEqns.push(r.unknown);
      for (const v of r.residuals) asResidual(v);
      eqn.outBinders.forEach((v, i) => {
        if (r.outUnknowns[i]) unknown.add(v);
      });
    } else if (unks.some((u) => u)) {
      eqn.inputs.forEach(asResidual);
      unknownEqns.push(eqn);
      for (const v of eqn.outBinders) unknown.add(v);
    } else knownEqns.push(eqn);
  }
  const outUnknowns = jaxpr.outs.map((a, i) => isUnknown(a) || instantiate[i]);
  jaxpr.outs.forEach((a, i) => {
    if (outUnknowns[i] && !isUnknown(a)) asResidual(a);
  });
  const knownIns = jaxpr.inBinders.filter((_, i) => !unknownIns[i]);
  const unknownInVars = jaxpr.inBinders.filter((_, i) => unknownIns[i]);
  // The unknown side binds residuals under fresh names so the two programs share no variables.
  const renamed = new Map<Var, Var>(residuals.map((v) => [v, new Var(v.aval)]));
  const rename = (a: Atom): Atom => (a instanceof Var ? (renamed.get(a) ?? a) : a);
  const known = new Jaxpr(knownIns, knownEqns, [
    ...jaxpr.outs.filter((_, i) => !outUnknowns[i]),
    ...residuals,
  ]);
  const unknownJaxpr = new Jaxpr(
    [...residuals.map((v) => renamed.get(v)!), ...unknownInVars],
    unknownEqns.map((e) => ({ ...e, inputs: e.inputs.map(rename) })),
    jaxpr.outs.filter((_, i) => outUnknowns[i]).map(rename),
  );
  return { known, unknown: unknownJaxpr, outUnknowns, numResiduals: residuals.length };
}

/** Result of a higher-order primitive's jaxpr-level partial evaluation of one equation. */
export interface PartialEvalJaxprResult {
  /** Equations of the known side, in order (e.g. hoisted invariants, then a known scan). */
  known: Eqn[];
  unknown: Eqn | null;
  outUnknowns: boolean[];
  /** Known variables the unknown equation reads (created by the known equation or before). */
  residuals: Var[];
}

export type PartialEvalJaxprRule = (eqn: Eqn, unknowns: boolean[]) => PartialEvalJaxprResult;

/**
 * Dead-code elimination: keeps the outputs in `used` and only the equations they need.
 * Returns which inputs are still read. Walks backwards once (iterative).
 */
export function dce(
  jaxpr: Jaxpr,
  used: readonly boolean[],
): { jaxpr: Jaxpr; usedInputs: boolean[] } {
  const live = new Set<Var>();
  const outs = jaxpr.outs.filter((_, i) => used[i]);
  for (const a of outs) if (a instanceof Var) live.add(a);
  const kept: Eqn[] = [];
  for (let k = jaxpr.eqns.length - 1; k >= 0; k--) {
    const eqn = jaxpr.eqns[k];
    if (!eqn.outBinders.some((v) => live.has(v))) continue;
    kept.push(eqn);
    for (const a of eqn.inputs) if (a instanceof Var) live.add(a);
  }
  kept.reverse();
  return {
    jaxpr: new Jaxpr(jaxpr.inBinders, kept, outs),
    usedInputs: jaxpr.inBinders.map((v) => live.has(v)),
  };
}

/**
 * Appends the equations of `jaxpr`, applied to `args`, to `into` (fresh output variables, so
 * one program can be inlined twice) and returns the atoms of its outputs.
 */
export function inlineJaxpr(jaxpr: Jaxpr, args: readonly Atom[], into: Eqn[]): Atom[] {
  const subst = new Map<Var, Atom>(jaxpr.inBinders.map((v, i) => [v, args[i]]));
  const rename = (a: Atom): Atom => (a instanceof Var ? (subst.get(a) ?? a) : a);
  for (const e of jaxpr.eqns) {
    const outBinders = e.outBinders.map((v) => {
      const fresh = new Var(v.aval);
      subst.set(v, fresh);
      return fresh;
    });
    into.push({ ...e, inputs: e.inputs.map(rename), outBinders });
  }
  return jaxpr.outs.map(rename);
}

/** Interleaves two lists back into one: `unknown` where mask is true, `known` elsewhere. */
export function mergeByMask<T>(
  mask: readonly boolean[],
  known: readonly T[],
  unknown: readonly T[],
): T[] {
  let a = 0;
  let b = 0;
  return mask.map((u) => (u ? unknown[b++] : known[a++]));
}
