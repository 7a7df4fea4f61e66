// SPDX-License-Identifier: MIT
// What cond and switchCase share before binding: every branch traced over the same operands,
// checked to return one structure with one type per leaf, and put on one operand list.
import { DtypeError, ShapeError, TreeStructureError } from '../errors.js';
import { type ClosedJaxpr, Jaxpr, Var } from '../ir/jaxpr.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TreeDef } from '../tree/tree.js';
import { avalsOf, tensorLeaves, traceTreeFn } from './trace_tree.js';

/**
 * Puts closed branches on one operand list: [consts of branch 0, ..., consts of branch n-1,
 * operands]. Each branch gets unused binders for the other branches' constants.
 */
export function joinBranches(closed: readonly ClosedJaxpr[]): {
  branches: Jaxpr[];
  consts: Tensor[];
} {
  const constAvals = closed.map((c) => c.consts.map((t) => t.aval));
  const branches = closed.map((c, i) => {
    const own = constAvals[i].length;
    const binders = [
      ...constAvals.slice(0, i).flatMap((avals) => avals.map((a) => new Var(a))),
      ...c.jaxpr.inBinders.slice(0, own),
      ...constAvals.slice(i + 1).flatMap((avals) => avals.map((a) => new Var(a))),
      ...c.jaxpr.inBinders.slice(own),
    ];
    return new Jaxpr(binders, c.jaxpr.eqns, c.jaxpr.outs);
  });
  return { branches, consts: closed.flatMap((c) => c.consts) };
}

/** A branch function together with the name errors use for it ("the true branch", "branch 2"). */
export interface NamedBranch {
  readonly fn: (...ops: unknown[]) => unknown;
  readonly name: string;
}

/**
 * Traces every branch over the operands' types and checks they agree with the first one named
 * in `reference` order (structure, then shape and dtype per leaf); errors name both branches.
 */
export function traceBranches(
  op: string,
  named: readonly NamedBranch[],
  operands: readonly unknown[],
): { branches: Jaxpr[]; consts: Tensor[]; leaves: Tensor[]; outDef: TreeDef } {
  const [leaves, def] = tensorLeaves(op, 'operand', operands);
  const avals = avalsOf(leaves);
  const traced = named.map((b) =>
    traceTreeFn(op, (ops) => b.fn(...(ops as unknown[])), [def], [avals], b.name),
  );
  const [first, ...rest] = traced;
  rest.forEach((other, k) => {
    const a = named[0].name;
    const b = named[k + 1].name;
    if (!first.outDef.equals(other.outDef)) {
      throw new TreeStructureError(
        `${op}: the branches return different structures (${a}: ${first.outDef.key}, ${b}: ${other.outDef.key}).`,
      );
    }
    first.outLeaves.forEach((x, i) => {
      const y = other.outLeaves[i];
      if (x.equals(y)) return;
      const Err = x.dtype !== y.dtype ? DtypeError : ShapeError;
      throw new Err(
        `${op}: output ${i} is ${x} in ${a} but ${y} in ${b}; every branch must return the same shapes and dtypes.`,
      );
    });
  });
  const { branches, consts } = joinBranches(traced.map((t) => t.closed));
  return { branches, consts, leaves, outDef: first.outDef };
}
