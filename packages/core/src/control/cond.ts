// SPDX-License-Identifier: MIT
// cond: both branches are traced to jaxprs over the same operands, and every transformation
// transforms both. Residuals of the two branches are joined (each branch returns zeros for the
// other's), so the known and unknown halves stay ordinary conds.
import {
  DtypeError,
  InvalidArgumentError,
  LoomError,
  ShapeError,
  TreeStructureError,
} from '../errors.js';
import { evalJaxpr } from '../ir/eval.js';
import { ClosedJaxpr, type Eqn, Jaxpr, Var } from '../ir/jaxpr.js';
import { traceToJaxpr } from '../ir/staging.js';
import { type BatchDim, moveAxis, moveBatchAxis } from '../prims/batching.js';
import { broadcastTo } from '../prims/broadcast_in_dim.js';
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
import { where } from './layout.js';
import { avalsOf, tensorLeaves, traceTreeFn } from './trace_tree.js';

export interface CondParams {
  readonly [key: string]: unknown;
  /** [onFalse, onTrue]; both take the same operands and return the same types. */
  readonly branches: readonly [Jaxpr, Jaxpr];
}

/** Puts two closed branches on one operand list: [consts of false, consts of true, operands]. */
function joinBranches(
  f: ClosedJaxpr,
  t: ClosedJaxpr,
): { branches: [Jaxpr, Jaxpr]; consts: Tensor[] } {
  const fc = f.consts.map((c) => c.aval);
  const tc = t.consts.map((c) => c.aval);
  const fj = new Jaxpr(
    [
      ...f.jaxpr.inBinders.slice(0, fc.length),
      ...tc.map((a) => new Var(a)),
      ...f.jaxpr.inBinders.slice(fc.length),
    ],
    f.jaxpr.eqns,
    f.jaxpr.outs,
  );
  const tj = new Jaxpr(
    [...fc.map((a) => new Var(a)), ...t.jaxpr.inBinders],
    t.jaxpr.eqns,
    t.jaxpr.outs,
  );
  return { branches: [fj, tj], consts: [...f.consts, ...t.consts] };
}

function condJvp(primals: Tensor[], tangents: MaybeZero[], p: CondParams): [Tensor[], MaybeZero[]] {
  const nz = tangents.slice(1).map((t) => t !== null);
  const first = p.branches.map(
    (b) =>
      jvpJaxpr(
        b,
        nz,
        b.outs.map(() => false),
      ).outNonzeros,
  );
  const outNz = first[0].map((z, i) => z || first[1][i]);
  const [jf, jt] = p.branches.map((b) => jvpJaxpr(b, nz, outNz).jaxpr);
  const { branches, consts } = joinBranches(jf, jt);
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

/** Splits both branches with the same unknown outputs; residuals of each padded for the other. */
function planCond(p: CondParams, unknowns: boolean[]) {
  let inst = p.branches[0].outs.map(() => false);
  let splits = p.branches.map((b) => partialEvalJaxpr(b, unknowns, inst));
  for (;;) {
    const union = splits[0].outUnknowns.map((u, i) => u || splits[1].outUnknowns[i]);
    if (union.every((u, i) => u === splits[0].outUnknowns[i] && u === splits[1].outUnknowns[i]))
      break;
    inst = union;
    splits = p.branches.map((b) => partialEvalJaxpr(b, unknowns, inst));
  }
  const outUnknowns = splits[0].outUnknowns;
  const nKnownOuts = where(outUnknowns, false).length;
  const resAvals = splits.map((s) => s.known.outs.slice(nKnownOuts).map((a) => a.aval));
  const allRes = [...resAvals[0], ...resAvals[1]];
  // Known branch i returns [known outs, its residuals, zeros for the other branch's residuals].
  const knownBranches = splits.map((s, i) =>
    traceToJaxpr(
      (...ins: Tensor[]) => {
        const outs = evalJaxpr(s.known, ins);
        const own = outs.slice(nKnownOuts);
        // Zeros built from a literal, so the branch captures no constant arrays.
        const zf = (a: ShapedArray) => broadcastTo(scalar(0, a.dtype), a.shape);
        return [
          ...outs.slice(0, nKnownOuts),
          ...(i === 0 ? own : resAvals[0].map(zf)),
          ...(i === 1 ? own : resAvals[1].map(zf)),
        ];
      },
      s.known.inAvals,
      'cond branch (known part)',
    ),
  );
  const known = joinBranches(knownBranches[0], knownBranches[1]);
  // Unknown branch i reads [residuals of false, residuals of true, unknown operands] and
  // ignores the other branch's residuals.
  const unknownBranches: [Jaxpr, Jaxpr] = [
    insertInputs(splits[0].unknown, resAvals[0].length, resAvals[1]),
    insertInputs(splits[1].unknown, 0, resAvals[0]),
  ];
  return { outUnknowns, known, unknownBranches, numRes: allRes.length, nKnownOuts };
}

function insertInputs(j: Jaxpr, at: number, avals: ShapedArray[]): Jaxpr {
  return new Jaxpr(
    [...j.inBinders.slice(0, at), ...avals.map((a) => new Var(a)), ...j.inBinders.slice(at)],
    j.eqns,
    j.outs,
  );
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
  const { branches, consts } = joinBranches(transposed[0], transposed[1]);
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
 * Batching rule. With a shared predicate both branches are batched and it stays one cond. With a
 * batched predicate the lanes may take different branches, so both branches run on the whole
 * batch and `select` picks each lane's result.
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
    const first = p.branches.map((b) =>
      vmapJaxpr(
        b,
        size,
        inB,
        b.outs.map(() => false),
      ),
    );
    const union = first[0].outBatched.map((x, i) => x || first[1].outBatched[i]);
    const [bf, bt] = p.branches.map((b) => vmapJaxpr(b, size, inB, union).jaxpr);
    const { branches, consts } = joinBranches(bf, bt);
    const outs = bind(condPrim, [pred, ...consts, ...moved], { branches });
    return [outs, union.map((b) => (b ? 0 : null))];
  }
  const all = p.branches[0].outs.map(() => true);
  const [outF, outT] = p.branches.map((b) => {
    const { jaxpr } = vmapJaxpr(b, size, inB, all);
    return evalJaxpr(jaxpr.jaxpr, [...jaxpr.consts, ...moved]);
  });
  const predB = moveAxis(pred, predDim, 0); // [B]
  const outs = outT.map((t, i) => {
    const mask = bind1(reshapePrim, [predB], {
      shape: [size, ...t.shape.slice(1).map(() => 1)],
    });
    return bind1(selectPrim, [mask, t, outF[i]], {});
  });
  return [outs, outs.map(() => 0)];
}

export const condPrim: Primitive<CondParams> = definePrimitive<CondParams>({
  name: 'cond',
  abstractEval(_, p) {
    return p.branches[0].outAvals;
  },
  impl([pred, ...ops], p) {
    return evalJaxpr(p.branches[pred.buffer[0] ? 1 : 0], ops) as ConcreteTensor[];
  },
  jvp: condJvp,
  transpose: condTranspose,
  batch: condBatch,
  higherOrder: {
    innerPrograms: (p) => [
      { name: 'false', program: new ClosedJaxpr(p.branches[0], []) },
      { name: 'true', program: new ClosedJaxpr(p.branches[1], []) },
    ],
    partialEval: condPartialEval,
    partialEvalJaxpr: condPartialEvalJaxpr,
  },
});

/**
 * `pred ? onTrue(...operands) : onFalse(...operands)` inside traced code: both branches are traced
 * and must return the same structure and types; only the chosen one runs. Differentiable in both
 * modes. `pred` must be a bool scalar.
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
  const [leaves, def] = tensorLeaves('cond', 'operand', operands);
  const avals = avalsOf(leaves);
  const t = traceTreeFn('cond', (ops) => onTrue(...(ops as A)), [def], [avals], 'true branch');
  const f = traceTreeFn('cond', (ops) => onFalse(...(ops as A)), [def], [avals], 'false branch');
  if (!t.outDef.equals(f.outDef)) {
    throw new TreeStructureError(
      `cond: the branches return different structures (true: ${t.outDef.key}, false: ${f.outDef.key}).`,
    );
  }
  t.outLeaves.forEach((a, i) => {
    if (!a.equals(f.outLeaves[i])) {
      const Err = a.dtype !== f.outLeaves[i].dtype ? DtypeError : ShapeError;
      throw new Err(
        `cond: output ${i} is ${a} in the true branch but ${f.outLeaves[i]} in the false branch; both must match.`,
      );
    }
  });
  const { branches, consts } = joinBranches(f.closed, t.closed);
  const outs = bind(condPrim, [pred, ...consts, ...leaves], { branches });
  return unflatten<R>(t.outDef, outs);
}
