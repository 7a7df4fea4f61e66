// SPDX-License-Identifier: MIT
// customJvp/customVjp calls under jit without differentiation compute their primal function:
// it is inlined (one function, one buffer plan). Differentiation happens before lowering (the
// rules replace the call), so a `custom_lin` left in a program means forward mode was applied
// to a customVjp function, which has no forward rule: that fails when the program is compiled.
import { NotDifferentiableError } from '../../errors.js';
import type { Jaxpr } from '../../ir/jaxpr.js';
import type { LoweringRule } from '../lower.js';

const customJvpRule: LoweringRule = (lo, eqn, ins, steps) =>
  lo.lowerBlock(eqn.params.fun as Jaxpr, ins, steps);

const customVjpRule: LoweringRule = (lo, eqn, ins, steps) => {
  // Inputs are [f's constants, fwd's constants, arguments]; f reads the first and last groups.
  const numFun = eqn.params.numFunConsts as number;
  const numFwd = eqn.params.numFwdConsts as number;
  const funInputs = [...ins.slice(0, numFun), ...ins.slice(numFun + numFwd)];
  return lo.lowerBlock(eqn.params.fun as Jaxpr, funInputs, steps);
};

const customLinRule: LoweringRule = () => {
  throw new NotDifferentiableError(
    'customVjp: jit of forward-mode differentiation (jvp, jacfwd, hessian) of a customVjp ' +
      'function: it only has a reverse-mode rule. Use grad, vjp or jacrev, or customJvp.',
  );
};

export const customDerivativeRules: [string, LoweringRule][] = [
  ['custom_jvp_call', customJvpRule],
  ['custom_vjp_call', customVjpRule],
  ['custom_lin', customLinRule],
];
