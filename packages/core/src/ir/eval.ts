// SPDX-License-Identifier: MIT

import { scalar } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { bind } from '../trace/trace.js';
import { type Atom, type Jaxpr, Lit, type Var } from './jaxpr.js';

/**
 * Runs a jaxpr by binding each equation's primitive. Because it goes through `bind`, evaluating
 * a jaxpr under any transformation transforms it: this ten-line loop is how scan bodies, cond
 * branches and jit programs get differentiated, batched and re-staged.
 */
export function evalJaxpr(jaxpr: Jaxpr, args: readonly Tensor[]): Tensor[] {
  const env = new Map<Var, Tensor>();
  const read = (a: Atom): Tensor =>
    a instanceof Lit ? scalar(a.value, a.aval.dtype) : env.get(a)!;
  jaxpr.inBinders.forEach((v, i) => {
    env.set(v, args[i]);
  });
  for (const eqn of jaxpr.eqns) {
    const outs = bind(eqn.prim, eqn.inputs.map(read), eqn.params);
    eqn.outBinders.forEach((v, i) => {
      env.set(v, outs[i]);
    });
  }
  return jaxpr.outs.map(read);
}
