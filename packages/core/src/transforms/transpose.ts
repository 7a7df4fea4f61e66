// SPDX-License-Identifier: MIT
import { LoomError, NotDifferentiableError } from '../errors.js';
import { type Atom, type Jaxpr, Lit, type Var } from '../ir/jaxpr.js';
import { add } from '../prims/add.js';
import { scalar } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { type MaybeZero, UndefPrimal } from '../trace/primitive.js';
import { bind } from '../trace/trace.js';

/**
 * Runs a jaxpr that is linear in the `UndefPrimal` inputs backwards: given cotangents of its
 * outputs, returns the cotangents of those inputs (null where nothing flowed). Equations that do
 * not touch a linear input are evaluated forwards first (they compute residuals).
 */
export function transposeJaxpr(
  jaxpr: Jaxpr,
  args: readonly (Tensor | UndefPrimal)[],
  cotangents: readonly MaybeZero[],
): MaybeZero[] {
  const primal = new Map<Var, Tensor>();
  const linear = new Set<Var>();
  jaxpr.inBinders.forEach((v, i) => {
    const a = args[i];
    if (a instanceof UndefPrimal) linear.add(v);
    else primal.set(v, a);
  });
  const readPrimal = (a: Atom): Tensor | UndefPrimal =>
    a instanceof Lit
      ? scalar(a.value, a.aval.dtype)
      : linear.has(a)
        ? new UndefPrimal(a.aval)
        : primal.get(a)!;

  const linearEqns = [];
  for (const eqn of jaxpr.eqns) {
    if (eqn.inputs.some((a) => !(a instanceof Lit) && linear.has(a))) {
      for (const v of eqn.outBinders) linear.add(v);
      linearEqns.push(eqn);
    } else {
      const outs = bind(eqn.prim, eqn.inputs.map(readPrimal) as Tensor[], eqn.params);
      eqn.outBinders.forEach((v, i) => {
        primal.set(v, outs[i]);
      });
    }
  }

  const ct = new Map<Var, Tensor>();
  const writeCt = (a: Atom, value: MaybeZero) => {
    if (value === null || a instanceof Lit || !linear.has(a)) return;
    const prev = ct.get(a);
    ct.set(a, prev ? add(prev, value) : value);
  };
  jaxpr.outs.forEach((a, i) => {
    writeCt(a, cotangents[i]);
  });
  for (let k = linearEqns.length - 1; k >= 0; k--) {
    const eqn = linearEqns[k];
    const cts = eqn.outBinders.map((v) => {
      const c = ct.get(v) ?? null;
      ct.delete(v);
      return c;
    });
    if (cts.every((c) => c === null)) continue;
    if (!eqn.prim.transpose) {
      throw new NotDifferentiableError(
        `${eqn.prim.name}: reverse-mode differentiation needs a transpose rule, and this ` +
          'primitive has none (it is not linear in the differentiated input).',
      );
    }
    const inputs = eqn.inputs.map(readPrimal);
    const results = eqn.prim.transpose(cts, inputs, eqn.params);
    eqn.inputs.forEach((a, i) => {
      const r = results[i];
      const expect = inputs[i];
      if (r && expect instanceof UndefPrimal && !r.aval.equals(expect.aval)) {
        throw new LoomError(
          `internal: the transpose rule of ${eqn.prim.name} returned a cotangent ${r.aval} for an ` +
            `input of type ${expect.aval}.`,
        );
      }
      writeCt(a, r);
    });
  }
  return jaxpr.inBinders
    .filter((_, i) => args[i] instanceof UndefPrimal)
    .map((v) => ct.get(v) ?? null);
}
