// SPDX-License-Identifier: MIT
import { ClosedJaxpr, type Eqn, type Jaxpr } from './jaxpr.js';

/** Calls `visit` on every equation of `jaxpr` and of the programs nested in it (iteratively). */
export function forEachEqn(jaxpr: Jaxpr, visit: (eqn: Eqn) => void): void {
  const stack: Jaxpr[] = [jaxpr];
  while (stack.length > 0) {
    const j = stack.pop()!;
    for (const eqn of j.eqns) {
      visit(eqn);
      for (const { program } of eqn.prim.higherOrder?.innerPrograms(eqn.params) ?? []) {
        if (program instanceof ClosedJaxpr) stack.push(program.jaxpr);
      }
    }
  }
}
