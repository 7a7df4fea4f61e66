// SPDX-License-Identifier: MIT
// customVjp: a function with a user-defined reverse-mode derivative (JAX's jax.custom_vjp).
// `custom_vjp_call` holds f's and fwd's jaxprs and the user's bwd. Evaluated, it runs f. Its jvp
// rule (reached only through linearize: grad, vjp, jacrev) runs fwd for the outputs and the
// residuals and emits `custom_lin`, a linear primitive of the tangents that partial evaluation
// stages; transposing custom_lin calls bwd(residuals, cotangents). Forward mode would have to
// evaluate custom_lin, which has no forward meaning: that is a NotDifferentiableError, as in JAX.
import { InvalidArgumentError, NotDifferentiableError, TreeStructureError } from '../errors.js';
import { evalJaxpr } from '../ir/eval.js';
import { ClosedJaxpr, type Jaxpr } from '../ir/jaxpr.js';
import { traceToJaxpr } from '../ir/staging.js';
import type { BatchDim } from '../prims/batching.js';
import { reduceSum } from '../prims/reduce_sum.js';
import { ShapedArray } from '../tensor/aval.js';
import type { ConcreteTensor } from '../tensor/concrete.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  definePrimitive,
  type MaybeZero,
  type Primitive,
  UndefPrimal,
} from '../trace/primitive.js';
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
  splitByArgument,
  tensorLeaves,
} from './custom_common.js';
import { vmapJaxpr } from './vmap.js';

/** bwd on flat leaves: (residuals, output cotangents) -> one cotangent per argument leaf. */
type FlatBwd = (residuals: Tensor[], cotangents: Tensor[]) => MaybeZero[];

export interface CustomVjpParams {
  readonly [key: string]: unknown;
  /** f over [its closed-over values..., argument leaves...]. */
  readonly fun: Jaxpr;
  /** fwd over [its closed-over values..., argument leaves...] -> [outputs..., residuals...]. */
  readonly fwd: Jaxpr;
  readonly numFunConsts: number;
  readonly numFwdConsts: number;
  readonly bwd: OpaqueRule<FlatBwd>;
}

export interface CustomLinParams {
  readonly [key: string]: unknown;
  readonly numResiduals: number;
  /** Which argument leaves have a tangent input (in order, after the residuals). */
  readonly argMask: readonly boolean[];
  readonly outAvals: readonly ShapedArray[];
  readonly bwd: OpaqueRule<FlatBwd>;
}

const OP = 'customVjp';

const forwardModeError = () =>
  new NotDifferentiableError(
    `${OP}: forward-mode differentiation (jvp, jacfwd, hessian, linearize's tangent map) of a ` +
      'customVjp function is not defined: it only has a reverse-mode rule. Use grad, vjp or ' +
      'jacrev, or define the derivative with customJvp.',
  );

/**
 * bwd for the batched primitive: residuals and cotangents carry the batch at axis 0 (or none),
 * the user's bwd runs per example, and an argument that was not batched gets the sum of its
 * per-example cotangents (a shared input's gradient is the sum over the examples that read it).
 */
function batchBwd(
  bwd: FlatBwd,
  size: number,
  residualDims: readonly BatchDim[],
  argBatched: readonly boolean[],
): FlatBwd {
  return (residuals, cotangents) => {
    const n = residuals.length;
    const perExample = batchAllToFront(
      (...xs) => bwd(xs.slice(0, n), xs.slice(n)),
      size,
      [...residuals, ...cotangents],
      [...residualDims, ...cotangents.map(() => 0)],
    );
    return perExample.map((ct, i) => (ct === null || argBatched[i] ? ct : reduceSum(ct, [0])));
  };
}

export const customLinPrim: Primitive<CustomLinParams> = definePrimitive<CustomLinParams>({
  name: 'custom_lin',
  abstractEval(_, p) {
    return [...p.outAvals];
  },
  impl() {
    throw forwardModeError();
  },
  transpose(cts, inputs, p) {
    const residuals = inputs.slice(0, p.numResiduals).map((r) => {
      if (r instanceof UndefPrimal) {
        throw new InvalidArgumentError(`${OP}: internal: a residual of custom_lin is linear.`);
      }
      return r;
    });
    const argCts = p.bwd.fn(residuals, instantiateZeros(cts, p.outAvals));
    return [...residuals.map(() => null), ...argCts.filter((_, i) => p.argMask[i])];
  },
  batch(size, args, dims, p) {
    // Reached when a linear program holding custom_lin is batched before it is transposed.
    const moved = args.map((x, i) => batchToFront(size, x, dims[i]));
    const residualDims = dims.slice(0, p.numResiduals).map((d) => (d === null ? null : 0));
    const tangentDims = dims.slice(p.numResiduals);
    let k = 0;
    const argBatched = p.argMask.map((m) => m && tangentDims[k++] !== null);
    const outs = bind(customLinPrim, moved, {
      ...p,
      outAvals: p.outAvals.map((a) => new ShapedArray([size, ...a.shape], a.dtype)),
      bwd: new OpaqueRule(
        `${p.bwd.label} (batched)`,
        batchBwd(p.bwd.fn, size, residualDims, argBatched),
      ),
    });
    return [outs, outs.map(() => 0)];
  },
});

export const customVjpPrim: Primitive<CustomVjpParams> = definePrimitive<CustomVjpParams>({
  name: 'custom_vjp_call',
  abstractEval(_, p) {
    return p.fun.outAvals;
  },
  impl(inputs, p) {
    const nc = p.numFunConsts + p.numFwdConsts;
    return evalJaxpr(p.fun, [
      ...inputs.slice(0, p.numFunConsts),
      ...inputs.slice(nc),
    ]) as ConcreteTensor[];
  },
  jvp(primals, tangents, p) {
    const nc = p.numFunConsts + p.numFwdConsts;
    const differentiatedConst = tangents.findIndex((t, i) => i < nc && t !== null);
    if (differentiatedConst >= 0) {
      throw closedOverError(OP, primals[differentiatedConst].aval, 'being differentiated');
    }
    const args = primals.slice(nc);
    const argTangents = tangents.slice(nc);
    const both = evalJaxpr(p.fwd, [...primals.slice(p.numFunConsts, nc), ...args]);
    const numOuts = p.fun.outs.length;
    const residuals = both.slice(numOuts);
    const tangentsOut = bind(
      customLinPrim,
      [...residuals, ...argTangents.filter((t): t is Tensor => t !== null)],
      {
        numResiduals: residuals.length,
        argMask: argTangents.map((t) => t !== null),
        outAvals: p.fun.outAvals,
        bwd: p.bwd,
      },
    );
    return [both.slice(0, numOuts), tangentsOut];
  },
  batch(size, args, dims, p) {
    const nf = p.numFunConsts;
    const nc = nf + p.numFwdConsts;
    const moved = args.map((x, i) => batchToFront(size, x, dims[i]));
    const batched = dims.map((d) => d !== null);
    const all = (j: Jaxpr) => j.outs.map(() => true);
    const fun = vmapJaxpr(p.fun, size, [...batched.slice(0, nf), ...batched.slice(nc)], all(p.fun));
    const fwd = vmapJaxpr(p.fwd, size, batched.slice(nf), all(p.fwd));
    const numResiduals = p.fwd.outs.length - p.fun.outs.length;
    const bwd = batchBwd(
      p.bwd.fn,
      size,
      new Array<BatchDim>(numResiduals).fill(0),
      batched.slice(nc),
    );
    const outs = bind(
      customVjpPrim,
      [
        ...fun.jaxpr.consts,
        ...moved.slice(0, nf),
        ...fwd.jaxpr.consts,
        ...moved.slice(nf, nc),
        ...moved.slice(nc),
      ],
      {
        fun: fun.jaxpr.jaxpr,
        fwd: fwd.jaxpr.jaxpr,
        numFunConsts: fun.jaxpr.consts.length + nf,
        numFwdConsts: fwd.jaxpr.consts.length + p.numFwdConsts,
        bwd: new OpaqueRule(`${p.bwd.label} (batched)`, bwd),
      },
    );
    return [outs, outs.map(() => 0)];
  },
  higherOrder: {
    innerPrograms: (p) => [
      { name: 'fun', program: new ClosedJaxpr(p.fun, []) },
      { name: 'fwd', program: new ClosedJaxpr(p.fwd, []) },
    ],
  },
});

/** One cotangent per argument: a tree like the argument, or null for no gradient. */
export type CotangentsOf<A extends readonly unknown[]> = { [K in keyof A]: A[K] | null };

/**
 * Gives `f` a custom reverse-mode derivative (JAX's `jax.custom_vjp`). `fwd(...args)` returns
 * `[output, residuals]`: the same output as `f` and any tree of tensors the backward pass
 * needs. `bwd(residuals, cotangent)` receives the output's cotangent (a tree like the output)
 * and returns an array with one cotangent per argument, each a tree like that argument (same
 * shapes and dtypes) or `null` for an argument with no gradient.
 *
 * The result computes `f` when it is not differentiated (eagerly, under `jit`, `vmap`, inside
 * `scan`), and uses `fwd`/`bwd` under `grad`, `vjp` and `jacrev`, including `vmap(grad(...))`
 * and `grad` of a `scan` whose body calls it. Forward mode (`jvp`, `jacfwd`) is a
 * `NotDifferentiableError`, as in JAX. Differentiating with respect to a value `f` or `fwd`
 * closes over is an `InvalidArgumentError`: pass it as an argument so `bwd` can return its
 * cotangent. A `bwd` result with the wrong number of entries, structure, shape or dtype is a
 * typed error naming customVjp, the argument and both types.
 * @example
 * // Identity forward; the backward pass clips the gradient's norm to 1.
 * const clipGradient = customVjp(
 *   (x: Tensor) => x,
 *   (x: Tensor) => [x, null],
 *   (_res: null, g: Tensor) => [g.div(maximum(sqrt(sum(g.mul(g))), 1))],
 * );
 * grad((x: Tensor) => sum(clipGradient(x).mul(10)))(tensor([1, 2])); // norm 1, not 10·√2
 */
export function customVjp<A extends unknown[], R, Res>(
  f: (...args: A) => R,
  fwd: (...args: A) => readonly [R, Res],
  bwd: (residuals: Res, cotangent: R) => CotangentsOf<A>,
): (...args: A) => R {
  checkFunction(OP, 'f', f);
  checkFunction(OP, 'fwd', fwd);
  checkFunction(OP, 'bwd', bwd);
  return (...args: A) => {
    const flat = flattenArguments(OP, args);
    const argAvals = splitByArgument(flat.defs, flat.leaves).map((part) =>
      part.map((t) => new ShapedArray(t.shape, t.dtype)),
    );
    let outDef: TreeDef | undefined;
    let outPaths: string[] = [];
    const fun = traceToJaxpr(
      (...xs) => {
        const out = f(...(rebuildArguments(flat.defs, xs) as A));
        const [leaves, def, paths] = tensorLeaves(OP, "f's output", out);
        outDef = def;
        outPaths = paths;
        return leaves;
      },
      flat.avals,
      'customVjp function',
    );
    const primalDef = outDef!;
    const outAvals = fun.jaxpr.outAvals;
    let residualDef: TreeDef | undefined;
    const fwdClosed = traceToJaxpr(
      (...xs) => {
        const result: unknown = fwd(...(rebuildArguments(flat.defs, xs) as A));
        if (!Array.isArray(result) || result.length !== 2) {
          throw new TreeStructureError(
            `${OP}: fwd must return [output, residuals]; it returned ${describeValue(result)}.`,
          );
        }
        const [outs, def] = tensorLeaves(OP, "fwd's output", result[0]);
        checkStructure(OP, "fwd's output", def, primalDef, "f's output");
        checkLeafTypes(OP, "fwd's output", outs, outAvals, outPaths, "f's output");
        const [residuals, resDef] = tensorLeaves(OP, "fwd's residuals", result[1]);
        residualDef = resDef;
        return [...outs, ...residuals];
      },
      flat.avals,
      'customVjp fwd',
    );
    const resDef = residualDef!;
    const flatBwd: FlatBwd = (residuals, cotangents) => {
      const result: unknown = bwd(
        unflatten<Res>(resDef, residuals),
        unflatten<R>(primalDef, cotangents),
      );
      if (!Array.isArray(result)) {
        throw new TreeStructureError(
          `${OP}: bwd must return an array with one cotangent per argument (${args.length}); ` +
            `it returned ${describeValue(result)}.`,
        );
      }
      if (result.length !== args.length) {
        throw new TreeStructureError(
          `${OP}: bwd returned ${result.length} cotangents, but the function has ${args.length} ` +
            'argument(s); return one per argument (null for an argument with no gradient).',
        );
      }
      return result.flatMap((ct: unknown, i): MaybeZero[] => {
        const def = flat.defs[i];
        if (ct === null || ct === undefined) return new Array<MaybeZero>(def.numLeaves).fill(null);
        const what = `bwd's cotangent for argument ${i}`;
        const [leaves, ctDef] = tensorLeaves(OP, what, ct);
        checkStructure(OP, what, ctDef, def, `argument ${i}`);
        checkLeafTypes(OP, what, leaves, argAvals[i], flat.paths[i], `argument ${i}`);
        return leaves;
      });
    };
    const outs = bind(customVjpPrim, [...fun.consts, ...fwdClosed.consts, ...flat.leaves], {
      fun: fun.jaxpr,
      fwd: fwdClosed.jaxpr,
      numFunConsts: fun.consts.length,
      numFwdConsts: fwdClosed.consts.length,
      bwd: new OpaqueRule('customVjp bwd', flatBwd),
    });
    return unflatten<R>(primalDef, outs);
  };
}
