// SPDX-License-Identifier: MIT
import { InvalidArgumentError, TreeStructureError } from '../errors.js';
import { evalJaxpr } from '../ir/eval.js';
import { zeros } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { equalityErrors, flatten, unflatten } from '../tree/tree.js';
import { flattenDiffArgs, flattenOutput } from './flat.js';
import { linearizeFlat } from './linearize.js';

/**
 * Evaluates `f` at `primals` and returns `[out, fJvp]`, where `fJvp(...tangents)` is the
 * Jacobian-vector product at those fixed primals, like `jax.linearize`. The primal computation
 * runs once, now: `fJvp` replays only the recorded linear tangent program (jvp + partial
 * evaluation), so it is cheap to call for many tangents. Tangents have the primals' structure
 * and types (integer inputs have no tangent: theirs are ignored); the result has `out`'s.
 * @example
 * const [y, fJvp] = linearize((x: Tensor) => x.sin().sum(), x0);
 * const dy = fJvp(v); // equals jvp(f, [x0], [v])[1], without re-running sin
 */
export function linearize<A extends unknown[], R>(
  f: (...args: A) => R,
  ...primals: A
): [R, (...tangents: A) => R] {
  const argnums = primals.map((_, i) => i);
  const flat = flattenDiffArgs('linearize', primals, argnums, false);
  let outDef: ReturnType<typeof flatten>[1] | undefined;
  const flatF = (...leaves: Tensor[]) => {
    const [outs, def] = flattenOutput('linearize', f(...(flat.rebuild(leaves) as A)));
    outDef = def;
    return outs;
  };
  const { primalsOut, jaxpr, diffMask, liveOut } = linearizeFlat(flatF, flat.leaves);
  const [, primalDef] = flatten(primals);
  const fJvp = (...tangents: A): R => {
    const [, tangentDef] = flatten(tangents);
    if (!tangentDef.equals(primalDef)) {
      throw new TreeStructureError(
        `linearize: the tangents' structure ${tangentDef.key} differs from the primals' ` +
          `${primalDef.key}:\n  ${equalityErrors(primals, tangents).join('\n  ')}`,
      );
    }
    const leaves = flattenDiffArgs('linearize', tangents, argnums, false).leaves;
    leaves.forEach((t, i) => {
      const p = flat.leaves[i];
      if (!t.aval.equals(p.aval)) {
        throw new InvalidArgumentError(
          `linearize: tangent ${i} is ${t.aval} but its primal is ${p.aval}; each tangent must ` +
            "have its primal's shape and dtype.",
        );
      }
    });
    const live = evalJaxpr(jaxpr.jaxpr, [...jaxpr.consts, ...leaves.filter((_, i) => diffMask[i])]);
    let k = 0;
    const outs = primalsOut.map((o, i) => (liveOut[i] ? live[k++] : zeros(o.shape, o.dtype)));
    return unflatten<R>(outDef!, outs);
  };
  return [unflatten<R>(outDef!, primalsOut), fJvp];
}
