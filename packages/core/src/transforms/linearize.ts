// SPDX-License-Identifier: MIT
import type { ClosedJaxpr } from '../ir/jaxpr.js';
import { ShapedArray } from '../tensor/aval.js';
import { isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { type MaybeZero, UndefPrimal } from '../trace/primitive.js';
import { jvpFlat } from './jvp.js';
import { type PartialVal, partialEvalFlat } from './partial_eval.js';
import { transposeJaxpr } from './transpose.js';

export interface Linearized {
  primalsOut: Tensor[];
  /** The linear map from input tangents (float inputs only) to the unknown output tangents. */
  jaxpr: ClosedJaxpr;
  /** Which inputs are differentiable (float); only they have tangents. */
  diffMask: boolean[];
  /** Which outputs have a non-zero tangent (those the jaxpr computes). */
  liveOut: boolean[];
}

/**
 * linearize = jvp + partial evaluation: primals are known, tangents unknown, so everything on
 * primals runs now and only the linear tangent computation is recorded.
 */
export function linearizeFlat(
  f: (...args: Tensor[]) => Tensor[],
  primals: readonly Tensor[],
): Linearized {
  const diffMask = primals.map((p) => isFloat(p.dtype));
  const n = primals.length;
  const pvals: PartialVal[] = [
    ...primals.map((value): PartialVal => ({ known: true, value })),
    ...primals
      .filter((_, i) => diffMask[i])
      .map((p): PartialVal => ({ known: false, aval: new ShapedArray(p.shape, p.dtype) })),
  ];
  let numOuts = 0;
  let nonZero: boolean[] = [];
  const fJvp = (...args: Tensor[]): Tensor[] => {
    let k = n;
    const tangents = diffMask.map((d) => (d ? args[k++] : null));
    const [outs, tangentsOut] = jvpFlat(f, args.slice(0, n), tangents);
    numOuts = outs.length;
    nonZero = tangentsOut.map((t) => t !== null);
    // Symbolic-zero tangents are not returned at all: nothing needs to be staged for them.
    return [...outs, ...tangentsOut.filter((t): t is Tensor => t !== null)];
  };
  const { outs, jaxpr } = partialEvalFlat(fJvp, pvals);
  const primalsOut = outs.slice(0, numOuts).map((p) => {
    if (!p.known) throw new Error('internal: a primal output of linearize is unknown');
    return p.value;
  });
  // A tangent that came back known does not depend on the input tangents, so it is zero; the
  // unknown ones are the jaxpr's outputs, in order.
  const tangentPvals = outs.slice(numOuts);
  const liveOut = primalsOut.map(() => false);
  let t = 0;
  nonZero.forEach((nz, i) => {
    if (nz) liveOut[i] = !tangentPvals[t++].known;
  });
  return { primalsOut, jaxpr, diffMask, liveOut };
}

/** Reverse mode: returns the primal outputs and a function from output to input cotangents. */
export function vjpFlat(
  f: (...args: Tensor[]) => Tensor[],
  primals: readonly Tensor[],
): [Tensor[], (cotangents: readonly MaybeZero[]) => MaybeZero[]] {
  const { primalsOut, jaxpr, diffMask, liveOut } = linearizeFlat(f, primals);
  const pullback = (cotangents: readonly MaybeZero[]): MaybeZero[] => {
    const undefs = jaxpr.inAvals.map((a) => new UndefPrimal(a));
    const cts = cotangents.filter((_, i) => liveOut[i]);
    const results = transposeJaxpr(jaxpr.jaxpr, [...jaxpr.consts, ...undefs], cts);
    let k = 0;
    return diffMask.map((d) => (d ? results[k++] : null));
  };
  return [primalsOut, pullback];
}
