// SPDX-License-Identifier: MIT
// customJvp: a function with a user-defined forward-mode derivative (JAX's jax.custom_jvp). Its
// primal is staged as the `custom_jvp_call` primitive holding f's jaxpr; the jvp rule runs the
// user's rule instead of differentiating f. Reverse mode needs nothing more: linearize is jvp
// under partial evaluation, so the rule's tangent computation (linear in the tangents, as JAX
// requires) is recorded and transposed like any other.
import { TreeStructureError } from '../errors.js';
import { evalJaxpr } from '../ir/eval.js';
import { ClosedJaxpr, type Jaxpr } from '../ir/jaxpr.js';
import { traceToJaxpr } from '../ir/staging.js';
import type { BatchDim } from '../prims/batching.js';
import { ShapedArray } from '../tensor/aval.js';
import type { ConcreteTensor } from '../tensor/concrete.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive } from '../trace/primitive.js';
import { bind } from '../trace/trace.js';
import { type TreeDef, unflatten } from '../tree/tree.js';
import {
  batchAllToFront,
  batchToFront,
  checkFunction,
  checkLeafTypes,
  checkStructure,
  closedOverError,
  describeValue,
  flattenArguments,
  instantiateZeros,
  OpaqueRule,
  rebuildArguments,
  tensorLeaves,
} from './custom_common.js';
import { vmapJaxpr } from './vmap.js';

/** The user's rule on flat leaves: (primals, tangents) of the arguments -> (outs, out tangents). */
type FlatJvpRule = (primals: Tensor[], tangents: Tensor[]) => [Tensor[], Tensor[]];

export interface CustomJvpParams {
  readonly [key: string]: unknown;
  /** f as a program over [closed-over values..., argument leaves...]. */
  readonly fun: Jaxpr;
  readonly numConsts: number;
  readonly rule: OpaqueRule<FlatJvpRule>;
}

const OP = 'customJvp';

export const customJvpPrim: Primitive<CustomJvpParams> = definePrimitive<CustomJvpParams>({
  name: 'custom_jvp_call',
  abstractEval(_, p) {
    return p.fun.outAvals;
  },
  impl(inputs, p) {
    return evalJaxpr(p.fun, inputs) as ConcreteTensor[];
  },
  jvp(primals, tangents, p) {
    const differentiatedConst = tangents.findIndex((t, i) => i < p.numConsts && t !== null);
    if (differentiatedConst >= 0) {
      throw closedOverError(OP, primals[differentiatedConst].aval, 'being differentiated');
    }
    const argAvals = p.fun.inAvals.slice(p.numConsts);
    const args = primals.slice(p.numConsts);
    // The user's rule sees tensors: symbolic zeros become explicit zeros.
    const argTangents = instantiateZeros(tangents.slice(p.numConsts), argAvals);
    return p.rule.fn(args, argTangents);
  },
  batch(size, args, dims, p) {
    const batchedConst = dims.findIndex((d, i) => i < p.numConsts && d !== null);
    if (batchedConst >= 0) {
      const batchedShape = args[batchedConst].shape;
      const perExample = new ShapedArray(
        batchedShape.filter((_, i) => i !== dims[batchedConst]),
        args[batchedConst].dtype,
      );
      throw closedOverError(OP, perExample, 'batched by vmap');
    }
    const moved = args.map((x, i) => batchToFront(size, x, dims[i]));
    const argDims: BatchDim[] = dims.slice(p.numConsts).map((d) => (d === null ? null : 0));
    const { jaxpr: fun } = vmapJaxpr(
      p.fun,
      size,
      dims.map((d) => d !== null),
      p.fun.outs.map(() => true),
    );
    const inner = p.rule.fn;
    // A tangent has its primal's type, so it is batched exactly when its primal is.
    const rule: FlatJvpRule = (primals, tangents) => {
      const n = primals.length;
      const outs = batchAllToFront(
        (...xs) => {
          const [o, t] = inner(xs.slice(0, n), xs.slice(n));
          return [...o, ...t];
        },
        size,
        [...primals, ...tangents],
        [...argDims, ...argDims],
      ) as Tensor[];
      const m = outs.length / 2;
      return [outs.slice(0, m), outs.slice(m)];
    };
    const outs = bind(customJvpPrim, [...fun.consts, ...moved], {
      fun: fun.jaxpr,
      numConsts: fun.consts.length + p.numConsts,
      rule: new OpaqueRule(`${p.rule.label} (batched)`, rule),
    });
    return [outs, outs.map(() => 0)];
  },
  higherOrder: {
    innerPrograms: (p) => [{ name: 'fun', program: new ClosedJaxpr(p.fun, []) }],
  },
});

/**
 * Gives `f` a custom forward-mode derivative (JAX's `jax.custom_jvp`). `jvpRule(primals,
 * tangents)` receives the arguments and one tangent per argument (same trees; zeros for
 * arguments that are not differentiated) and returns `[primalOut, tangentOut]`, both with the
 * structure, shapes and dtypes of `f`'s output. `grad`, `vjp` and `jacrev` work too, because the
 * rule's tangent output must be linear in the tangents (as in JAX) and is transposed.
 *
 * Without differentiation (eager, `jit`, `vmap`) the result computes `f`. Under `vmap` the rule
 * is batched too. `f` may close over constants; differentiating or batching a value it closes
 * over is an `InvalidArgumentError` (the rule cannot account for it): pass it as an argument.
 * @example
 * // log(1 + exp(x)) whose derivative stays finite for large x, where autodiff gives NaN.
 * const softplus = customJvp(
 *   (x: Tensor) => log1p(exp(x)),
 *   ([x], [t]) => [log1p(exp(x)), t.mul(sigmoid(x))],
 * );
 * grad((x: Tensor) => sum(softplus(x)))(tensor([1000])); // [1]
 */
export function customJvp<A extends unknown[], R>(
  f: (...args: A) => R,
  jvpRule: (primals: A, tangents: A) => readonly [R, R],
): (...args: A) => R {
  checkFunction(OP, 'f', f);
  checkFunction(OP, 'jvpRule', jvpRule);
  return (...args: A) => {
    const flat = flattenArguments(OP, args);
    let outDef: TreeDef | undefined;
    let outPaths: string[] = [];
    const closed = traceToJaxpr(
      (...xs) => {
        const [outs, def, paths] = tensorLeaves(
          OP,
          "f's output",
          f(...(rebuildArguments(flat.defs, xs) as A)),
        );
        outDef = def;
        outPaths = paths;
        return outs;
      },
      flat.avals,
      'customJvp function',
    );
    const primalDef = outDef!;
    const outAvals = closed.jaxpr.outAvals;
    const rule: FlatJvpRule = (primals, tangents) => {
      const result: unknown = jvpRule(
        rebuildArguments(flat.defs, primals) as A,
        rebuildArguments(flat.defs, tangents) as A,
      );
      if (!Array.isArray(result) || result.length !== 2) {
        throw new TreeStructureError(
          `${OP}: jvpRule must return [primalOut, tangentOut]; it returned ${describeValue(result)}.`,
        );
      }
      const checked = (value: unknown, what: string, reference: string): Tensor[] => {
        const [leaves, def] = tensorLeaves(OP, what, value);
        checkStructure(OP, what, def, primalDef, "f's output");
        checkLeafTypes(OP, what, leaves, outAvals, outPaths, reference);
        return leaves;
      };
      return [
        checked(result[0], "jvpRule's primal output", "f's output"),
        checked(result[1], "jvpRule's tangent output", "f's output"),
      ];
    };
    const outs = bind(customJvpPrim, [...closed.consts, ...flat.leaves], {
      fun: closed.jaxpr,
      numConsts: closed.consts.length,
      rule: new OpaqueRule('customJvp rule', rule),
    });
    return unflatten<R>(primalDef, outs);
  };
}
