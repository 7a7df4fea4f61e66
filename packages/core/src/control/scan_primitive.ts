// SPDX-License-Identifier: MIT
// The scan primitive: a loop whose body is a jaxpr traced once. Every transformation handles it
// by transforming the body: JVP gives a scan of the JVP'd body, partial evaluation splits it into
// a known scan (the forward pass, stacking per-step residuals) and an unknown scan (the tangent
// pass), and transposition turns the unknown scan into a reverse scan whose carry accumulates the
// cotangents of the closed-over parameters. That is backpropagation through time.
import { LoomError } from '../errors.js';
import { evalJaxpr } from '../ir/eval.js';
import { type Atom, ClosedJaxpr, type Eqn, Jaxpr, Var } from '../ir/jaxpr.js';
import { traceToJaxpr } from '../ir/staging.js';
import { add } from '../prims/add.js';
import { type BatchDim, moveBatchAxis } from '../prims/batching.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { zeros } from '../tensor/create.js';
import { allocate } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { type MaybeZero, type Primitive, UndefPrimal } from '../trace/primitive.js';
import { bind } from '../trace/trace.js';
import {
  dce,
  inlineJaxpr,
  jvpJaxpr,
  type PartialEvalJaxprResult,
  partialEvalJaxpr,
} from '../transforms/jaxpr_transforms.js';
import type { PartialEvalTrace, PETracer } from '../transforms/partial_eval.js';
import { transposeJaxpr } from '../transforms/transpose.js';
import { vmapJaxpr } from '../transforms/vmap.js';
import { range, reorderJaxpr, sameMask, splitList, where } from './layout.js';

export interface ScanParams {
  readonly [key: string]: unknown;
  /** [consts..., carry..., x slices...] -> [carry..., y slices...] */
  readonly body: Jaxpr;
  readonly numConsts: number;
  readonly numCarry: number;
  readonly length: number;
  readonly reverse: boolean;
  /** Steps per iteration of the compiled loop (a jit concern; eager semantics are the same). */
  readonly unroll: number;
  /** When true, reverse mode stores only per-step carries and recomputes the body. */
  readonly checkpoint: boolean;
}

/** The loop's static settings (everything but the body layout). */
export interface ScanLoopOptions {
  length: number;
  reverse: boolean;
  unroll: number;
  checkpoint: boolean;
}

const stacked = (a: ShapedArray, length: number) => new ShapedArray([length, ...a.shape], a.dtype);
const unstacked = (a: ShapedArray) => new ShapedArray(a.shape.slice(1), a.dtype);

/** Binds a scan, folding a closed body's constants in as leading consts. */
export function bindScan(
  body: ClosedJaxpr,
  consts: Tensor[],
  carry: Tensor[],
  xs: Tensor[],
  p: ScanLoopOptions,
): Tensor[] {
  const params: ScanParams = {
    length: p.length,
    reverse: p.reverse,
    unroll: p.unroll,
    checkpoint: p.checkpoint,
    body: body.jaxpr,
    numConsts: body.consts.length + consts.length,
    numCarry: carry.length,
  };
  return bind(scanPrim, [...body.consts, ...consts, ...carry, ...xs], params);
}

function runScan(inputs: ConcreteTensor[], p: ScanParams): ConcreteTensor[] {
  const [consts, init, xs] = splitList(inputs, p.numConsts, p.numCarry);
  const yAvals = p.body.outAvals.slice(p.numCarry);
  const ys = yAvals.map((a) => allocate(a.dtype, a.size * p.length));
  const xSizes = xs.map((x) => x.size / Math.max(1, p.length));
  let carry: Tensor[] = init;
  for (let i = 0; i < p.length; i++) {
    const t = p.reverse ? p.length - 1 - i : i;
    // Slices share the stacked buffer: tensors are immutable, so no copy is needed.
    const slices = xs.map(
      (x, k) =>
        new ConcreteTensor(x.buffer.subarray(t * xSizes[k], (t + 1) * xSizes[k]), x.shape.slice(1)),
    );
    const outs = evalJaxpr(p.body, [...consts, ...carry, ...slices]);
    carry = outs.slice(0, p.numCarry);
    outs.slice(p.numCarry).forEach((y, k) => {
      ys[k].set((y as ConcreteTensor).buffer, t * yAvals[k].size);
    });
  }
  return [
    ...(carry as ConcreteTensor[]),
    ...ys.map((b, k) => new ConcreteTensor(b, [p.length, ...yAvals[k].shape])),
  ];
}

function scanJvp(primals: Tensor[], tangents: MaybeZero[], p: ScanParams): [Tensor[], MaybeZero[]] {
  const nz = tangents.map((t) => t !== null);
  const [constNz, , xsNz] = splitList(nz, p.numConsts, p.numCarry);
  let carryNz = nz.slice(p.numConsts, p.numConsts + p.numCarry);
  const numYs = p.body.outs.length - p.numCarry;
  // Fixpoint: a carry has a tangent if its initial value or any step's update has one.
  let jvpBody: ReturnType<typeof jvpJaxpr>;
  for (;;) {
    jvpBody = jvpJaxpr(
      p.body,
      [...constNz, ...carryNz, ...xsNz],
      [...carryNz, ...new Array(numYs).fill(false)],
    );
    const next = carryNz.map((c, i) => c || jvpBody.outNonzeros[i]);
    if (sameMask(next, carryNz)) break;
    carryNz = next;
  }
  const { jaxpr: closed, outNonzeros } = jvpBody;
  const ysNz = outNonzeros.slice(p.numCarry);
  // The JVP'd body takes [closed consts, primals..., tangents...]; lay it out as a scan body:
  // consts = [closed, consts, const tangents], carry = [carry, carry tangents], xs = [xs, xs tangents].
  const nClosed = closed.consts.length;
  const nIn = p.body.inBinders.length;
  const tIdx = (mask: boolean[], offset: number) => {
    const before = [...constNz, ...carryNz, ...xsNz].slice(0, offset).filter(Boolean).length;
    return where(mask, true).map((_, j) => nClosed + nIn + before + j);
  };
  const nConsts = p.numConsts;
  const nCarry = p.numCarry;
  const nXs = nIn - nConsts - nCarry;
  const inOrder = [
    ...range(0, nClosed),
    ...range(nClosed, nConsts),
    ...tIdx(constNz, 0),
    ...range(nClosed + nConsts, nCarry),
    ...tIdx(carryNz, nConsts),
    ...range(nClosed + nConsts + nCarry, nXs),
    ...tIdx(xsNz, nConsts + nCarry),
  ];
  const nOut = p.body.outs.length;
  const carryT = where(carryNz, true).map((_, j) => nOut + j);
  const ysT = where(ysNz, true).map((_, j) => nOut + carryT.length + j);
  const outOrder = [...range(0, nCarry), ...carryT, ...range(nCarry, numYs), ...ysT];
  const body = reorderJaxpr(closed.jaxpr, inOrder, outOrder);
  const [consts, carry, xs] = splitList(primals, p.numConsts, p.numCarry);
  const [constT, carryTan, xsT] = splitList(tangents, p.numConsts, p.numCarry);
  const carryTIn = carryTan
    .map((t, i) => (carryNz[i] ? (t ?? zeros(carry[i].shape, carry[i].dtype)) : null))
    .filter((t): t is Tensor => t !== null);
  const outs = bind(
    scanPrim,
    [
      ...closed.consts,
      ...consts,
      ...(constT.filter((t) => t !== null) as Tensor[]),
      ...carry,
      ...carryTIn,
      ...xs,
      ...(xsT.filter((t) => t !== null) as Tensor[]),
    ],
    {
      ...p,
      body,
      numConsts: nClosed + nConsts + constT.filter((t) => t !== null).length,
      numCarry: nCarry + carryTIn.length,
    },
  );
  const nCarryT = carryTIn.length;
  const [carryOut, carryTOut, ysOut, ysTOut] = splitList(outs, nCarry, nCarryT, numYs);
  let kc = 0;
  let ky = 0;
  return [
    [...carryOut, ...ysOut],
    [
      ...carryNz.map((n) => (n ? carryTOut[kc++] : null)),
      ...ysNz.map((n) => (n ? ysTOut[ky++] : null)),
    ],
  ];
}

/** Fixpoint over which carries are unknown; returns the final split of the body. */
function splitBody(p: ScanParams, unknowns: boolean[]) {
  const [constUk, , xsUk] = splitList(unknowns, p.numConsts, p.numCarry);
  let carryUk = unknowns.slice(p.numConsts, p.numConsts + p.numCarry);
  const numYs = p.body.outs.length - p.numCarry;
  for (;;) {
    const split = partialEvalJaxpr(
      p.body,
      [...constUk, ...carryUk, ...xsUk],
      [...carryUk, ...new Array(numYs).fill(false)],
    );
    const next = carryUk.map((u, i) => u || split.outUnknowns[i]);
    if (sameMask(next, carryUk)) return { split, constUk, carryUk, xsUk };
    carryUk = next;
  }
}

/** Which variables of a jaxpr depend on the inputs marked `variant` (forward dataflow). */
function variantVars(jaxpr: Jaxpr, variant: boolean[]): Set<Var> {
  const out = new Set<Var>(jaxpr.inBinders.filter((_, i) => variant[i]));
  for (const eqn of jaxpr.eqns) {
    if (eqn.inputs.some((a) => a instanceof Var && out.has(a)))
      for (const v of eqn.outBinders) out.add(v);
  }
  return out;
}

/**
 * The known/unknown split of one scan, independent of how its operands are represented: returns
 * the known scan's params, the unknown scan's params, and how residuals flow between them.
 */
function planPartialEval(p: ScanParams, unknowns: boolean[]) {
  const { split, constUk, carryUk, xsUk } = splitBody(p, unknowns);
  const numYs = p.body.outs.length - p.numCarry;
  const ysUk = split.outUnknowns.slice(p.numCarry);
  const nKnownConsts = where(constUk, false).length;
  const nKnownCarry = where(carryUk, false).length;
  const nKnownOuts = where(split.outUnknowns, false).length;
  if (p.checkpoint) return planCheckpoint(p, { constUk, carryUk, xsUk, ysUk }, split, nKnownOuts);
  // Residuals that depend only on known consts are loop-invariant: computed once, outside.
  const variant = variantVars(split.known, [
    ...new Array(nKnownConsts).fill(false),
    ...new Array(split.known.inBinders.length - nKnownConsts).fill(true),
  ]);
  const residualOuts = split.known.outs.slice(nKnownOuts);
  const isExtensive = residualOuts.map((a) => a instanceof Var && variant.has(a));
  const knownOutsKept = [...range(0, nKnownOuts), ...where(isExtensive, true, nKnownOuts)];
  const knownBody = dce(
    new Jaxpr(
      split.known.inBinders,
      split.known.eqns,
      knownOutsKept.map((i) => split.known.outs[i]),
    ),
    knownOutsKept.map(() => true),
  ).jaxpr;
  const invariantJaxpr = dce(
    new Jaxpr(
      split.known.inBinders,
      split.known.eqns,
      where(isExtensive, false).map((i) => residualOuts[i]),
    ),
    where(isExtensive, false).map(() => true),
  ).jaxpr;
  // Unknown body inputs are [residuals, unknown consts, unknown carry, unknown xs]; the scan
  // wants [invariant residuals, unknown consts] [unknown carry] [unknown xs, extensive residuals].
  const nRes = split.numResiduals;
  const nUkConsts = where(constUk, true).length;
  const nUkCarry = where(carryUk, true).length;
  const nUkXs = where(xsUk, true).length;
  const unknownBody = reorderJaxpr(
    split.unknown,
    [
      ...where(isExtensive, false),
      ...range(nRes, nUkConsts),
      ...range(nRes + nUkConsts, nUkCarry),
      ...range(nRes + nUkConsts + nUkCarry, nUkXs),
      ...where(isExtensive, true),
    ],
    range(0, split.unknown.outs.length),
  );
  return {
    constUk,
    carryUk,
    xsUk,
    ysUk,
    numYs,
    knownBody,
    nKnownConsts,
    nKnownCarry,
    invariantJaxpr,
    numInvariant: where(isExtensive, false).length,
    numExtensive: where(isExtensive, true).length,
    unknownBody,
    nUkConsts,
    nUkCarry,
    checkpointCarries: false,
  };
}

/**
 * Checkpointed split: the known scan saves only its per-step carries; the unknown body is the
 * whole body again (its primal part re-runs in the backward pass) reading known consts, the saved
 * carries and the original xs.
 */
function planCheckpoint(
  p: ScanParams,
  m: { constUk: boolean[]; carryUk: boolean[]; xsUk: boolean[]; ysUk: boolean[] },
  split: { known: Jaxpr; unknown: Jaxpr },
  nKnownOuts: number,
) {
  const knownSplit = split.known;
  const { constUk, carryUk, xsUk, ysUk } = m;
  const numYs = ysUk.length;
  const nC = p.numConsts;
  const nK = p.numCarry;
  // Known scan: the known outputs plus each step's incoming known carry as an extra y. It is
  // the known half of the partial evaluation (not the body pruned by DCE), so a higher-order
  // equation mixing known and unknown operands (a cond from a jvp) keeps only its known part.
  const nKnownConsts = where(constUk, false).length;
  const knownCarryIn = knownSplit.inBinders.slice(
    nKnownConsts,
    nKnownConsts + where(carryUk, false).length,
  );
  const known = dce(
    new Jaxpr(knownSplit.inBinders, knownSplit.eqns, [
      ...knownSplit.outs.slice(0, nKnownOuts),
      ...knownCarryIn,
    ]),
    [...knownSplit.outs.slice(0, nKnownOuts), ...knownCarryIn].map(() => true),
  ).jaxpr;
  const knownBody = new Jaxpr(knownSplit.inBinders, known.eqns, known.outs);
  // Unknown scan: the known half again (recomputing this step's primal values from the saved
  // carry), then the unknown half on its residuals. Keeping the halves apart, rather than
  // re-running the whole body, leaves the unknown half linear, so it can be transposed.
  const at = (mask: boolean[], value: boolean, offset: number) =>
    where(mask, value, offset).map((i) => new Var(p.body.inBinders[i].aval));
  const kConsts = at(constUk, false, 0);
  const uConsts = at(constUk, true, 0);
  const uCarry = at(carryUk, true, nC);
  const uXs = at(xsUk, true, nC + nK);
  const kCarry = at(carryUk, false, nC);
  const kXs = at(xsUk, false, nC + nK);
  const eqns: Eqn[] = [];
  const recomputed = inlineJaxpr(knownSplit, [...kConsts, ...kCarry, ...kXs], eqns);
  const unknownOuts = inlineJaxpr(
    split.unknown,
    [...recomputed.slice(nKnownOuts), ...uConsts, ...uCarry, ...uXs],
    eqns,
  );
  const inBinders = [...kConsts, ...uConsts, ...uCarry, ...uXs, ...kCarry, ...kXs];
  const unknownBody = dce(
    new Jaxpr(inBinders, eqns, unknownOuts),
    unknownOuts.map(() => true),
  ).jaxpr;
  return {
    constUk,
    carryUk,
    xsUk,
    ysUk,
    numYs,
    knownBody,
    nKnownConsts: where(constUk, false).length,
    nKnownCarry: where(carryUk, false).length,
    invariantJaxpr: null,
    numInvariant: where(constUk, false).length,
    numExtensive: where(carryUk, false).length + where(xsUk, false).length,
    unknownBody,
    nUkConsts: where(constUk, true).length,
    nUkCarry: where(carryUk, true).length,
    checkpointCarries: true,
  };
}

type Plan = ReturnType<typeof planPartialEval>;

/**
 * Given values for the known operands (whatever they are: concrete tensors, tracers of an outer
 * transformation, or IR variables), computes the known outputs and the residual operands of the
 * unknown scan. `runKnown` binds the known scan; `runInvariant` evaluates the hoisted jaxpr.
 */
function knownSide<T>(
  p: ScanParams,
  plan: Plan,
  operands: T[],
  runKnown: (params: ScanParams, operands: T[]) => T[],
  runInvariant: (jaxpr: Jaxpr, operands: T[]) => T[],
): { knownOuts: T[]; invariant: T[]; extensive: T[] } {
  const [consts, carry, xs] = splitList(operands, p.numConsts, p.numCarry);
  const kConsts = consts.filter((_, i) => !plan.constUk[i]);
  const kCarry = carry.filter((_, i) => !plan.carryUk[i]);
  const kXs = xs.filter((_, i) => !plan.xsUk[i]);
  const knownParams: ScanParams = {
    ...p,
    body: plan.knownBody,
    numConsts: kConsts.length,
    numCarry: kCarry.length,
  };
  const outs = runKnown(knownParams, [...kConsts, ...kCarry, ...kXs]);
  const nKnownOuts = where(plan.carryUk, false).length + where(plan.ysUk, false).length;
  const knownOuts = outs.slice(0, nKnownOuts);
  const stackedRes = outs.slice(nKnownOuts);
  if (plan.checkpointCarries) {
    // Residuals: known consts (invariant); saved carries and the original known xs (extensive).
    return { knownOuts, invariant: kConsts, extensive: [...stackedRes, ...kXs] };
  }
  const invariant = plan.invariantJaxpr
    ? runInvariant(plan.invariantJaxpr, [...kConsts, ...kCarry, ...kXs])
    : [];
  return { knownOuts, invariant, extensive: stackedRes };
}

/**
 * Operands of the unknown scan, in its layout: [invariant residuals, unknown consts]
 * [unknown carry] [unknown xs, extensive residuals].
 */
function unknownOperands<T>(
  p: ScanParams,
  plan: Plan,
  operands: readonly T[],
  invariant: T[],
  extensive: T[],
): T[] {
  const [consts, carry, xs] = splitList(operands, p.numConsts, p.numCarry);
  return [
    ...invariant,
    ...consts.filter((_, i) => plan.constUk[i]),
    ...carry.filter((_, i) => plan.carryUk[i]),
    ...xs.filter((_, i) => plan.xsUk[i]),
    ...extensive,
  ];
}

function unknownParams(p: ScanParams, plan: Plan): ScanParams {
  return {
    ...p,
    body: plan.unknownBody,
    numConsts: plan.numInvariant + plan.nUkConsts,
    numCarry: plan.nUkCarry,
  };
}

/** Interleaves known and unknown results back into the scan's output order. */
function mergeOuts<T>(p: ScanParams, plan: Plan, known: T[], unknown: T[]): T[] {
  const mask = [...plan.carryUk, ...plan.ysUk];
  const carryKnown = known.slice(0, where(plan.carryUk, false).length);
  const ysKnown = known.slice(carryKnown.length);
  const carryUnknown = unknown.slice(0, plan.nUkCarry);
  const ysUnknown = unknown.slice(plan.nUkCarry);
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  return mask.map((uk, i) =>
    i < p.numCarry
      ? uk
        ? carryUnknown[a++]
        : carryKnown[b++]
      : uk
        ? ysUnknown[c++]
        : ysKnown[d++],
  );
}

function scanPartialEval(trace: PartialEvalTrace, tracers: PETracer[], p: ScanParams): Tensor[] {
  const unknowns = tracers.map((t) => !t.pval.known);
  const plan = planPartialEval(p, unknowns);
  const values = tracers.map((t) => (t.pval.known ? t.pval.value : null));
  const { knownOuts, invariant, extensive } = knownSide<Tensor | null>(
    p,
    plan,
    values,
    (params, ops) => bind(scanPrim, ops as Tensor[], params),
    (jaxpr, ops) => evalJaxpr(jaxpr, ops as Tensor[]),
  );
  const up = unknownParams(p, plan);
  const box = (v: Tensor | null) => trace.pure(v as Tensor) as PETracer;
  const operands = unknownOperands(p, plan, tracers, invariant.map(box), extensive.map(box));
  const outAvals = scanPrim.abstractEval(
    operands.map((t) => t.aval),
    up,
  );
  const unknownOuts = trace.stage(scanPrim as Primitive, operands, up, outAvals);
  return mergeOuts<Tensor>(p, plan, knownOuts as Tensor[], unknownOuts);
}

function scanPartialEvalJaxpr(eqn: Eqn, unknowns: boolean[]): PartialEvalJaxprResult {
  const p = eqn.params as ScanParams;
  const plan = planPartialEval(p, unknowns);
  const known: Eqn[] = [];
  const newVars = (avals: ShapedArray[]) => avals.map((a) => new Var(a));
  // Operands are atoms: a literal operand (a scalar initial carry, say) stays a literal.
  const { knownOuts, invariant, extensive } = knownSide<Atom>(
    p,
    plan,
    [...eqn.inputs],
    (params, ops) => {
      const outs = newVars(
        scanPrim.abstractEval(
          ops.map((v) => v.aval),
          params,
        ),
      );
      known.push({ prim: scanPrim as Primitive, inputs: ops, params, outBinders: outs });
      return outs;
    },
    // Inline the hoisted computation as equations of the enclosing (known) program.
    (jaxpr, ops) => inlineJaxpr(jaxpr, ops, known),
  );
  const up = unknownParams(p, plan);
  const unknownInputs = new Set(eqn.inputs.filter((_, i) => unknowns[i]));
  const inputs = unknownOperands(p, plan, [...eqn.inputs], invariant, extensive);
  const unknownOuts = newVars(
    scanPrim.abstractEval(
      inputs.map((v) => v.aval),
      up,
    ),
  );
  const merged = mergeOuts<Var>(p, plan, knownOuts as Var[], unknownOuts);
  // The equation's own output variables must be bound: rename merged outs to eqn.outBinders.
  const rename = new Map<Var, Var>(merged.map((v, i) => [v, eqn.outBinders[i]]));
  const fix = (e: Eqn): Eqn => ({ ...e, outBinders: e.outBinders.map((v) => rename.get(v) ?? v) });
  const knownEqns = known.map(fix);
  const unknownEqn = fix({
    prim: scanPrim as Primitive,
    inputs,
    params: up,
    outBinders: unknownOuts,
  });
  return {
    known: knownEqns,
    unknown: unknownEqn,
    outUnknowns: [...plan.carryUk, ...plan.ysUk],
    // Every known value the unknown scan reads: residuals, and known initial values of carries
    // that the fixpoint made unknown.
    residuals: inputs.filter((v): v is Var => v instanceof Var && !unknownInputs.has(v)),
  };
}

function scanTranspose(
  cts: MaybeZero[],
  inputs: (Tensor | UndefPrimal)[],
  p: ScanParams,
): MaybeZero[] {
  const [consts, carry, xs] = splitList(inputs, p.numConsts, p.numCarry);
  // Every carry of a linear scan is linear, even when its initial value arrives as a known
  // constant (an instantiated zero tangent): its cotangent is then simply not needed.
  const ctConstMask = consts.map((c) => c instanceof UndefPrimal);
  const xsLinear = xs.map((x) => x instanceof UndefPrimal);
  const ires = consts.filter((c): c is Tensor => !(c instanceof UndefPrimal));
  const eres = xs.filter((x): x is Tensor => !(x instanceof UndefPrimal));
  const linConstAvals = consts
    .filter((c): c is UndefPrimal => c instanceof UndefPrimal)
    .map((c) => c.aval);
  const carryAvals = carry.map((c) => c.aval);
  const yAvals = p.body.outAvals.slice(p.numCarry);
  const linXAvals = xs
    .filter((x): x is UndefPrimal => x instanceof UndefPrimal)
    .map((x) => unstacked(x.aval));
  const body = p.body;
  const transposed = traceToJaxpr(
    (...args: Tensor[]) => {
      const [iresIn, acc, ctCarry, ctY, eresIn] = splitList(
        args,
        ires.length,
        linConstAvals.length,
        carryAvals.length,
        yAvals.length,
      );
      let ki = 0;
      let ke = 0;
      const bodyArgs: (Tensor | UndefPrimal)[] = [
        ...consts.map((c) => (c instanceof UndefPrimal ? new UndefPrimal(c.aval) : iresIn[ki++])),
        ...carryAvals.map((a) => new UndefPrimal(a)),
        ...xs.map((_x, i) =>
          xsLinear[i]
            ? new UndefPrimal(linXAvals[where(xsLinear.slice(0, i), true).length])
            : eresIn[ke++],
        ),
      ];
      const results = transposeJaxpr(body, bodyArgs, [...ctCarry, ...ctY]);
      const [ctConsts, ctCarryNew, ctXs] = splitList(
        results,
        linConstAvals.length,
        carryAvals.length,
      );
      return [
        ...acc.map((a, i) => (ctConsts[i] ? add(a, ctConsts[i]) : a)),
        ...ctCarryNew.map((c, i) => c ?? zeros(carryAvals[i].shape, carryAvals[i].dtype)),
        ...ctXs.map((c, i) => c ?? zeros(linXAvals[i].shape, linXAvals[i].dtype)),
      ];
    },
    [
      ...ires.map((t) => t.aval),
      ...linConstAvals,
      ...carryAvals,
      ...yAvals,
      ...eres.map((t) => unstacked(t.aval)),
    ],
    'transpose of a scan body',
  );
  const [ctCarryOut, ctYs] = splitList(cts, p.numCarry);
  const outs = bindScan(
    transposed,
    ires,
    [
      ...linConstAvals.map((a) => zeros(a.shape, a.dtype)),
      ...ctCarryOut.map((c, i) => c ?? zeros(carryAvals[i].shape, carryAvals[i].dtype)),
    ],
    [...ctYs.map((c, i) => c ?? zeros([p.length, ...yAvals[i].shape], yAvals[i].dtype)), ...eres],
    { length: p.length, reverse: !p.reverse, unroll: p.unroll, checkpoint: false },
  );
  const [ctConsts, ctInit, ctXs] = splitList(outs, linConstAvals.length, carryAvals.length);
  let kc = 0;
  let kx = 0;
  return [
    ...ctConstMask.map((lin) => (lin ? ctConsts[kc++] : null)),
    ...ctInit.map((c, i) => (carry[i] instanceof UndefPrimal ? c : null)),
    ...xsLinear.map((lin) => (lin ? ctXs[kx++] : null)),
  ];
}

/**
 * Batching rule: consts and carries get their batch axis at 0, xs at 1 (axis 0 is time); a
 * fixpoint decides which carries are batched (a carry becomes batched when any step's update
 * depends on batched values), and the body is batched once with vmapJaxpr.
 */
function scanBatch(
  size: number,
  args: Tensor[],
  dims: BatchDim[],
  p: ScanParams,
): [Tensor[], BatchDim[]] {
  const batched = dims.map((d) => d !== null);
  const [constB, initCarryB, xsB] = splitList(batched, p.numConsts, p.numCarry);
  let carryB = initCarryB;
  const numYs = p.body.outs.length - p.numCarry;
  let res: ReturnType<typeof vmapJaxpr>;
  for (;;) {
    res = vmapJaxpr(
      p.body,
      size,
      [...constB, ...carryB, ...xsB],
      [...carryB, ...new Array<boolean>(numYs).fill(false)],
    );
    const next = carryB.map((c, i) => c || res.outBatched[i]);
    if (sameMask(next, carryB)) break;
    carryB = next;
  }
  const { jaxpr: closed, outBatched } = res;
  const [consts, carry, xs] = splitList(args, p.numConsts, p.numCarry);
  const [constD, carryD, xsD] = splitList(dims, p.numConsts, p.numCarry);
  const ops = [
    ...closed.consts,
    ...consts.map((c, i) => (constD[i] === null ? c : moveBatchAxis(size, constD[i], 0, c))),
    ...carry.map((c, i) => (carryB[i] ? moveBatchAxis(size, carryD[i], 0, c) : c)),
    ...xs.map((x, i) => (xsD[i] === null ? x : moveBatchAxis(size, xsD[i], 1, x))),
  ];
  const outs = bind(scanPrim, ops, {
    ...p,
    body: closed.jaxpr,
    numConsts: closed.consts.length + p.numConsts,
  });
  return [outs, outBatched.map((b, i) => (b ? (i < p.numCarry ? 0 : 1) : null))];
}

export const scanPrim: Primitive<ScanParams> = {
  name: 'scan',
  abstractEval(inputs, p) {
    const [consts, carry, xs] = splitList(inputs, p.numConsts, p.numCarry);
    const expected = [...consts, ...carry, ...xs.map(unstacked)];
    const bodyIn = p.body.inAvals;
    const ok =
      bodyIn.length === expected.length &&
      bodyIn.every((a, i) => a.equals(expected[i])) &&
      xs.every((x) => x.shape[0] === p.length) &&
      p.body.outAvals.slice(0, p.numCarry).every((a, i) => a.equals(carry[i]));
    if (!ok) {
      throw new LoomError(
        `internal: scan operands (${inputs.join(', ')}) do not fit its body (${bodyIn.join(', ')} -> ` +
          `${p.body.outAvals.join(', ')}) with length ${p.length}.`,
      );
    }
    return [...carry, ...p.body.outAvals.slice(p.numCarry).map((a) => stacked(a, p.length))];
  },
  impl(inputs, p) {
    return runScan(inputs, p);
  },
  jvp: scanJvp,
  transpose: scanTranspose,
  batch: scanBatch,
  printParams(p) {
    return `length=${p.length} reverse=${p.reverse} unroll=${p.unroll} checkpoint=${p.checkpoint} numConsts=${p.numConsts} numCarry=${p.numCarry}`;
  },
  higherOrder: {
    innerPrograms: (p) => [{ name: 'body', program: new ClosedJaxpr(p.body, []) }],
    partialEval: scanPartialEval,
    partialEvalJaxpr: scanPartialEvalJaxpr,
  },
};
