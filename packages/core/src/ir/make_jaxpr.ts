// SPDX-License-Identifier: MIT

import { InvalidArgumentError } from '../errors.js';
import { ShapedArray } from '../tensor/aval.js';
import type { Tensor } from '../tensor/tensor.js';
import { Tensor as TensorClass } from '../tensor/tensor.js';
import { flattenOutput } from '../transforms/flat.js';
import { flatten, type TreeDef, unflatten } from '../tree/tree.js';
import { jaxprToDot } from './dot.js';
import type { ClosedJaxpr } from './jaxpr.js';
import { printJaxpr } from './print.js';
import { traceToJaxpr } from './staging.js';

/** A traced program: print it with `toString()`, draw it with `toDot()`. */
export interface TracedProgram {
  readonly closed: ClosedJaxpr;
  readonly inTree: TreeDef;
  readonly outTree: TreeDef;
  /** The readable, typed IR listing. */
  toString(): string;
  /** A Graphviz DOT drawing of the program, nested programs as clusters. */
  toDot(title?: string): string;
}

/** Traces a pytree-level function into a closed jaxpr (shared by makeJaxpr, jit and friends). */
export function traceTree(
  op: string,
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
): { closed: ClosedJaxpr; inTree: TreeDef; outTree: TreeDef } {
  const [leaves, inTree] = flatten<unknown>(args);
  leaves.forEach((l, i) => {
    if (!(l instanceof TensorClass)) {
      throw new InvalidArgumentError(
        `${op}: argument leaf ${i} is ${typeof l}; pass Tensors (or trees of them).`,
      );
    }
  });
  let outTree: TreeDef | undefined;
  const closed = traceToJaxpr(
    (...ins: Tensor[]) => {
      const rebuilt = unflatten<unknown[]>(inTree, ins);
      const [outs, def] = flattenOutput(op, (f as (...a: unknown[]) => unknown)(...rebuilt));
      outTree = def;
      return outs;
    },
    (leaves as Tensor[]).map((t) => new ShapedArray(t.shape, t.dtype)),
    op,
  );
  return { closed, inTree, outTree: outTree! };
}

/**
 * Traces `f` at the types of `args` and returns its IR.
 * @example console.log(makeJaxpr((x: Tensor) => tanh(x).mul(2))(ones([3])).toString())
 */
export function makeJaxpr<A extends unknown[]>(
  f: (...args: A) => unknown,
): (...args: A) => TracedProgram {
  return (...args: A) => {
    const { closed, inTree, outTree } = traceTree('makeJaxpr', f, args);
    return {
      closed,
      inTree,
      outTree,
      toString: () => printJaxpr(closed.jaxpr, closed.consts.length),
      toDot: (title?: string) => jaxprToDot(closed.jaxpr, closed.consts.length, title),
    };
  };
}
