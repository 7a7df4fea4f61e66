// SPDX-License-Identifier: MIT
import { LoomError } from '../errors.js';
import { type Atom, type ClosedJaxpr, type Jaxpr, Lit, type Var } from './jaxpr.js';

/** An IR program that breaks its own invariants: always a bug in Loom, never in user code. */
export class IRTypeError extends LoomError {}

/**
 * Checks single assignment, that every variable is bound before use, and that each equation's
 * output types equal what its primitive's shape rule says. Run after every transformation in
 * tests, so a wrong rule is caught where it is made rather than as a shape error much later.
 */
export function typecheckJaxpr(jaxpr: Jaxpr): void {
  const bound = new Set<Var>();
  const bindVar = (v: Var, where: string) => {
    if (bound.has(v)) throw new IRTypeError(`typecheck: variable bound twice (${where}).`);
    bound.add(v);
  };
  const use = (a: Atom, where: string) => {
    if (!(a instanceof Lit) && !bound.has(a)) {
      throw new IRTypeError(
        `typecheck: variable of type ${a.aval} used before it is bound (${where}).`,
      );
    }
  };
  jaxpr.inBinders.forEach((v, i) => {
    bindVar(v, `input ${i}`);
  });
  jaxpr.eqns.forEach((eqn, k) => {
    const where = `equation ${k}: ${eqn.prim.name}`;
    for (const a of eqn.inputs) use(a, where);
    const expected = eqn.prim.abstractEval(
      eqn.inputs.map((a) => a.aval),
      eqn.params,
    );
    if (expected.length !== eqn.outBinders.length) {
      throw new IRTypeError(
        `typecheck: ${where} has ${eqn.outBinders.length} outputs, rule says ${expected.length}.`,
      );
    }
    eqn.outBinders.forEach((v, i) => {
      if (!v.aval.equals(expected[i])) {
        throw new IRTypeError(
          `typecheck: ${where} output ${i} is ${v.aval}, but the rule gives ${expected[i]}.`,
        );
      }
      bindVar(v, where);
    });
    for (const { program } of eqn.prim.higherOrder?.innerPrograms(eqn.params) ?? []) {
      typecheckJaxpr((program as ClosedJaxpr).jaxpr);
    }
  });
  jaxpr.outs.forEach((a, i) => {
    use(a, `output ${i}`);
  });
}
