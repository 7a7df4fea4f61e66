// SPDX-License-Identifier: MIT
// The `cond` primitive: n branches traced to jaxprs over the same operands, chosen by a bool
// predicate (false = branch 0, true = branch 1) or by an int32 index clamped to [0, n-1]
// (switchCase): as in JAX, cond is a switch with two branches. Every transformation transforms
// every branch. Residuals of the branches are joined (each branch returns zeros for the others'),
// so the known and unknown halves stay ordinary conds.
import { DtypeError, InvalidArgumentError, LoomError, ShapeError } from '../errors.js';
import { evalJaxpr } from '../ir/eval.js';
import { ClosedJaxpr, type Eqn, Jaxpr, Var } from '../ir/jaxpr.js';
import { traceToJaxpr } from '../ir/staging.js';
import { type BatchDim, moveAxis, moveBatchAxis } from '../prims/batching.js';
import { broadcastTo } from '../prims/broadcast_in_dim.js';
import { gePrim } from '../prims/comparisons.js';
import { reshapePrim } from '../prims/reshape.js';
import { selectPrim } from '../prims/select.js';
import type { ShapedArray } from '../tensor/aval.js';
import type { ConcreteTensor } from '../tensor/concrete.js';
import { scalar, zeros } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import {
  definePrimitive,
  type MaybeZero,
  type Primitive,
  UndefPrimal,
} from '../trace/primitive.js';
import { bind, bind1 } from '../trace/trace.js';
import {
  jvpJaxpr,
  mergeByMask,
  type PartialEvalJaxprResult,
  partialEvalJaxpr,
} from '../transforms/jaxpr_transforms.js';
import type { PartialEvalTrace, PETracer } from '../transforms/partial_eval.js';
import { transposeJaxpr } from '../transforms/transpose.js';
import { vmapJaxpr } from '../transforms/vmap.js';
import { unflatten } from '../tree/tree.js';
import { joinBranches, traceBranches } from './branches.js';
import { where } from './layout.js';

export interface CondParams {
  readonly [key: string]: unknown;
  /**
   * The branches, all over the same operands and returning the same types. With a bool
   * predicate there are two: [onFalse, onTrue].
   */
  readonly branches: readonly Jaxpr[];
}

/** The branch a selector value picks: a bool is 0/1, an index is clamped to [0, n-1]. */
export function branchIndex(value: number, n: number): number {
  return Math.min(Math.max(Math.trunc(value), 0), n - 1);
}

/** Union of boolean masks, element by element. */
function unionOf(masks: readonly (readonly boolean[])[]): boolean[] {
  return masks[0].map((_, i) => masks.some((m) => m[i]));
}

function condJvp(primals: Tensor[], tangents: MaybeZero[], p: CondParams): [Tensor[], MaybeZero[]] {
  const nz = tangents.slice(1).map((t) => t !== null);
  const noOuts = p.branches[0].outs.map(() => false);
  const outNz = unionOf(p.branches.map((b) => jvpJaxpr(b, nz, noOuts).outNonzeros));
  const { branches, consts } = joinBranches(p.branches.map((b) => jvpJaxpr(b, nz, outNz).jaxpr));
  const outs = bind(
    condPrim,
    [
      primals[0],
      ...consts,
      ...primals.slice(1),
      ...(tangents.slice(1).filter((t) => t !== null) as Tensor[]),
    ],
    { branches },
  );
  const n = p.branches[0].outs.length;
  let k = n;
  return [outs.slice(0, n), outNz.map((z) => (z ? outs[k++] : null))];
}

function insertInputs(j: Jaxpr, at: number, avals: readonly ShapedArray[]): Jaxpr {
  return new Jaxpr(
    [...j.inBinders.slice(0, at), ...avals.map((a) => new Var(a)), ...j.inBinders.slice(at)],
    j.eqns,
    j.outs,
  );
}

/** Splits every branch with the same unknown outputs; each branch's residuals padded for the others. */
function planCond(p: CondParams, unknowns: boolean[]) {
  let inst = p.branches[0].outs.map(() => false);
  let splits = p.branches.map((b) => partialEvalJaxpr(b, unknowns, inst));
  for (;;) {
    const union = unionOf(splits.map((s) => s.outUnknowns));
    if (splits.every((s) => union.every((u, i) => u === s.outUnknowns[i]))) break;
    inst = union;
    splits = p.branches.map((b) => partialEvalJaxpr(b, unknowns, inst));
  }
  const outUnknowns = splits[0].outUnknowns;
  const nKnownOuts = where(outUnknowns, false).length;
  const resAvals = splits.map((s) => s.known.outs.slice(nKnownOuts).map((a) => a.aval));
  // Known branch i returns [known outs, residuals of branch 0..n-1], zeros except its own.
  const knownBranches = splits.map((s, i) =>
    traceToJaxpr(
      (...ins: Tensor[]) => {
        const outs = evalJaxpr(s.known, ins);
        const own = outs.slice(nKnownOuts);
        // Zeros built from a literal, so the branch captures no constant arrays.
        const zf = (a: ShapedArray) => broadcastTo(scalar(0, a.dtype), a.shape);
        return [
          ...outs.slice(0, nKnownOuts),
          ...resAvals.flatMap((avals, j) => (j === i ? own : avals.map(zf))),
        ];
      },
      s.known.inAvals,
      'cond branch (known part)',
    ),
  );
  const known = joinBranches(knownBranches);
  // Unknown branch i reads [residuals of every branch, unknown operands] and ignores the others'.
  const unknownBranches = splits.map((s, i) => {
    const before = resAvals.slice(0, i).flat();
    const withBefore = insertInputs(s.unknown, 0, before);
    return insertInputs(
      withBefore,
      before.length + resAvals[i].length,
      resAvals.slice(i + 1).flat(),
    );
  });
  return { outUnknowns, known, unknownBranches, nKnownOuts };
}

function condPartialEval(trace: PartialEvalTrace, tracers: PETracer[], p: CondParams): Tensor[] {
  const [pred, ...ops] = tracers;
  const unknowns = ops.map((t) => !t.pval.known);
  const plan = planCond(p, unknowns);
  const knownOps = ops.filter((t) => t.pval.known).map((t) => t.fullLower());
  const knownRes = bind(condPrim, [pred.fullLower(), ...plan.known.consts, ...knownOps], {
    branches: plan.known.branches,
  });
  const knownOuts = knownRes.slice(0, plan.nKnownOuts);
  const residuals = knownRes.slice(plan.nKnownOuts).map((r) => trace.pure(r) as PETracer);
  const params: CondParams = { branches: plan.unknownBranches };
  const operands = [pred, ...residuals, ...ops.filter((t) => !t.pval.known)];
  const outs = trace.stage(
    condPrim as Primitive,
    operands,
    params,
    condPrim.abstractEval(
      operands.map((t) => t.aval),
      params,
    ),
  );
  return mergeByMask<Tensor>(plan.outUnknowns, knownOuts, outs);
}

function condPartialEvalJaxpr(eqn: Eqn, unknowns: boolean[]): PartialEvalJaxprResult {
  const p = eqn.params as CondParams;
  const plan = planCond(p, unknowns.slice(1));
  const [pred, ...ops] = eqn.inputs;
  const knownOps = ops.filter((_, i) => !unknowns[i + 1]);
  const knownOutVars = eqn.outBinders.filter((_, i) => !plan.outUnknowns[i]);
  const resVars = plan.known.branches[0].outs.slice(plan.nKnownOuts).map((a) => new Var(a.aval));
  if (plan.known.consts.length > 0) {
    // The padding zeros of the known branches are literals or small constants; a program-level
    // split has nowhere to put captured constants, so they are inlined as equations instead.
    throw new LoomError('internal: cond partial evaluation captured constants inside a jaxpr');
  }
  return {
    known: [
      {
        prim: condPrim as Primitive,
        inputs: [pred, ...knownOps],
        params: { branches: plan.known.branches },
        outBinders: [...knownOutVars, ...resVars],
      },
    ],
    unknown: {
      prim: condPrim as Primitive,
      inputs: [pred, ...resVars, ...ops.filter((_, i) => unknowns[i + 1])],
      params: { branches: plan.unknownBranches },
      outBinders: eqn.outBinders.filter((_, i) => plan.outUnknowns[i]),
    },
    outUnknowns: plan.outUnknowns,
    // The unknown cond reads the predicate and the residuals; known operands stay on the known side.
    residuals: [pred, ...resVars].filter((a): a is Var => a instanceof Var),
  };
}

function condTranspose(
  cts: MaybeZero[],
  inputs: (Tensor | UndefPrimal)[],
  p: CondParams,
): MaybeZero[] {
  const [pred, ...ops] = inputs;
  const linear = ops.map((o) => o instanceof UndefPrimal);
  const nonLinear = ops.filter((o): o is Tensor => !(o instanceof UndefPrimal));
  const linAvals = ops.filter((o): o is UndefPrimal => o instanceof UndefPrimal).map((o) => o.aval);
  const outAvals = p.branches[0].outAvals;
  const transposed = p.branches.map((b) =>
    traceToJaxpr(
      (...args: Tensor[]) => {
        const nl = args.slice(0, nonLinear.length);
        const ctIn = args.slice(nonLinear.length);
        let k = 0;
        const bodyArgs = ops.map((o, i) =>
          linear[i] ? new UndefPrimal((o as UndefPrimal).aval) : nl[k++],
        );
        return transposeJaxpr(b, bodyArgs, ctIn).map(
          (c, i) => c ?? zeros(linAvals[i].shape, linAvals[i].dtype),
        );
      },
      [...nonLinear.map((t) => t.aval), ...outAvals],
      'transpose of a cond branch',
    ),
  );
  const { branches, consts } = joinBranches(transposed);
  const res = bind(
    condPrim,
    [
      pred as Tensor,
      ...consts,
      ...nonLinear,
      ...cts.map((c, i) => c ?? zeros(outAvals[i].shape, outAvals[i].dtype)),
    ],
    { branches },
  );
  let k = 0;
  return [null, ...linear.map((l) => (l ? res[k++] : null))];
}

/**
 * Batching rule. With a shared selector every branch is batched and it stays one cond. With a
 * batched selector the lanes may take different branches, so every branch runs on the whole
 * batch and `select` picks each lane's result (lane index ≥ k takes branch k, so out-of-range
 * indices clamp as in the unbatched case).
 */
function condBatch(
  size: number,
  [pred, ...ops]: Tensor[],
  [predDim, ...opDims]: BatchDim[],
  p: CondParams,
): [Tensor[], BatchDim[]] {
  const inB = opDims.map((d) => d !== null);
  const moved = ops.map((x, i) => (opDims[i] === null ? x : moveBatchAxis(size, opDims[i], 0, x)));
  if (predDim === null) {
    const noOuts = p.branches[0].outs.map(() => false);
    const union = unionOf(p.branches.map((b) => vmapJaxpr(b, size, inB, noOuts).outBatched));
    const { branches, consts } = joinBranches(
      p.branches.map((b) => vmapJaxpr(b, size, inB, union).jaxpr),
    );
    const outs = bind(condPrim, [pred, ...consts, ...moved], { branches });
    return [outs, union.map((b) => (b ? 0 : null))];
  }
  const all = p.branches[0].outs.map(() => true);
  const results = p.branches.map((b) => {
    const { jaxpr } = vmapJaxpr(b, size, inB, all);
    return evalJaxpr(jaxpr.jaxpr, [...jaxpr.consts, ...moved]);
  });
  const lanes = moveAxis(pred, predDim, 0); // [B]
  const outs = results[0].map((first, i) => {
    let out = first;
    for (let k = 1; k < results.length; k++) {
      const takes =
        lanes.dtype === 'bool' ? lanes : bind1(gePrim, [lanes, scalar(k, lanes.dtype)], {});
      const mask = bind1(reshapePrim, [takes], {
        shape: [size, ...out.shape.slice(1).map(() => 1)],
      });
      out = bind1(selectPrim, [mask, results[k][i], out], {});
    }
    return out;
  });
  return [outs, outs.map(() => 0)];
}

export const condPrim: Primitive<CondParams> = definePrimitive<CondParams>({
  name: 'cond',
  abstractEval(_, p) {
    return p.branches[0].outAvals;
  },
  impl([pred, ...ops], p) {
    const chosen = branchIndex(Number(pred.buffer[0]), p.branches.length);
    return evalJaxpr(p.branches[chosen], ops) as ConcreteTensor[];
  },
  jvp: condJvp,
  transpose: condTranspose,
  batch: condBatch,
  higherOrder: {
    innerPrograms: (p) =>
      p.branches.map((b, i) => ({
        // Two branches print as cond's false/true; more as switch branches by index.
        name: p.branches.length === 2 ? ['false', 'true'][i] : `branch${i}`,
        program: new ClosedJaxpr(b, []),
      })),
    partialEval: condPartialEval,
    partialEvalJaxpr: condPartialEvalJaxpr,
  },
});

/**
 * `pred ? onTrue(...operands) : onFalse(...operands)` inside traced code: both branches are traced
 * and must return the same structure and types; only the chosen one runs. Differentiable in both
 * modes. `pred` must be a bool scalar.
 * @example
 * const y = cond(gt(x.sum(), 0), (a: Tensor) => a.sin(), (a: Tensor) => a.mul(a), x);
 */
export function cond<A extends unknown[], R>(
  pred: Tensor,
  onTrue: (...ops: A) => R,
  onFalse: (...ops: A) => R,
  ...operands: A
): R {
  if (!(pred instanceof Tensor)) {
    // A JS boolean here means the caller wanted an `if`; cond needs a traced bool scalar.
    throw new InvalidArgumentError(
      `cond: the predicate must be a bool scalar Tensor, got ${typeof pred} ${String(pred)}; use a plain if for a JS value, or compare tensors (e.g. gt(x, 0)) to get a traced one.`,
    );
  }
  if (pred.ndim !== 0 || pred.dtype !== 'bool') {
    const Err = pred.ndim === 0 ? DtypeError : ShapeError;
    throw new Err(
      `cond: the predicate must be a bool scalar, got ${pred.aval}; compare to get a bool and reduce it (e.g. with max) to a scalar.`,
    );
  }
  const traced = traceBranches(
    'cond',
    [
      { fn: onTrue as (...ops: unknown[]) => unknown, name: 'the true branch' },
      { fn: onFalse as (...ops: unknown[]) => unknown, name: 'the false branch' },
    ],
    operands,
  );
  // Traced true first (so errors read "true ... false"); the primitive orders them [false, true].
  // Every joined branch has the same binder layout, so reordering the list is safe.
  const branches = [traced.branches[1], traced.branches[0]];
  const outs = bind(condPrim, [pred, ...traced.consts, ...traced.leaves], { branches });
  return unflatten<R>(traced.outDef, outs);
}
