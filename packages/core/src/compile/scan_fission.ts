// SPDX-License-Identifier: MIT
// Scan fission, a rewrite before lowering: the matrix products of a scan body that do not feed
// the recurrence leave the loop and run once over the whole sequence, as cuDNN's RNNs do. A
// per-step product of an RNN is small (batch rows), so it runs far below the GEMM kernel's speed;
// over all steps it is one product with T·B rows.
//  - Before the loop: products of the inputs xs (the input projection x_t·Wx) run on the stacked
//    xs [T, B, F]·Wx, and the body reads their rows as new xs.
//  - After the loop: products only the stacked outputs or a gradient accumulator need (the
//    backward pass's dx_t = dz_t·Wxᵀ and dW += h_tᵀ·dz_t) run on stacked per-step values. A carry
//    that only accumulates, c' = c + Δ, becomes c + Σ_t Δ_t, and Σ_t of a product of per-step
//    values is one product that also contracts over t (Σ_t h_tᵀ·dz_t = Hᵀ·DZ over T·B rows).
// Values equal the loop's up to the order of floating-point sums, and remain the same for any
// thread count. The parts are evaluated under vmap over the time axis, so every primitive's own
// batching rule does the stacking.

import { splitList } from '../control/layout.js';
import type { ScanParams } from '../control/scan_primitive.js';
import { evalJaxpr } from '../ir/eval.js';
import { type Atom, type Eqn, Jaxpr, Var } from '../ir/jaxpr.js';
import { traceToJaxpr } from '../ir/staging.js';
import { add } from '../prims/add.js';
import { moveBatchAxis } from '../prims/batching.js';
import { type DotGeneralParams, dotGeneral } from '../prims/dot_general.js';
import { reduceSum } from '../prims/reduce_sum.js';
import { transpose } from '../prims/transpose.js';
import type { Tensor } from '../tensor/tensor.js';
import { bind } from '../trace/trace.js';
import { inlineJaxpr } from '../transforms/jaxpr_transforms.js';
import { batchFlat } from '../transforms/vmap.js';
import { dependents, type FissionPlan, planFission } from './scan_fission_plan.js';

/**
 * `jaxpr` with every scan split where products can leave its loop, including scans nested in
 * the programs of other equations (scan and while bodies, cond branches, nested jit calls).
 */
export function fissionScans(jaxpr: Jaxpr): Jaxpr {
  const eqns: Eqn[] = [];
  const renamed = new Map<Var, Atom>();
  const rename = (a: Atom): Atom => (a instanceof Var ? (renamed.get(a) ?? a) : a);
  let changed = false;
  for (const original of jaxpr.eqns) {
    const inner = withInnerProgramsSplit({ ...original, inputs: original.inputs.map(rename) });
    // Inputs are renamed only after an earlier replacement, which already set `changed`.
    changed ||= inner.params !== original.params;
    const replacement = inner.prim.name === 'scan' ? splitScan(inner) : null;
    if (replacement === null) {
      eqns.push(inner);
      continue;
    }
    changed = true;
    const outs = inlineJaxpr(replacement, inner.inputs, eqns);
    inner.outBinders.forEach((v, i) => {
      renamed.set(v, outs[i]);
    });
  }
  if (!changed) return jaxpr;
  return new Jaxpr(jaxpr.inBinders, eqns, jaxpr.outs.map(rename));
}

/**
 * The equation with the programs among its parameters rewritten (a program keeps its inputs
 * and outputs, so this holds for any higher-order primitive); the same object when none changed.
 */
function withInnerProgramsSplit(eqn: Eqn): Eqn {
  let params: Record<string, unknown> | null = null;
  for (const [key, value] of Object.entries(eqn.params)) {
    let next: unknown = value;
    if (value instanceof Jaxpr) next = fissionScans(value);
    else if (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof Jaxpr)) {
      const split = value.map((v: Jaxpr) => fissionScans(v));
      if (split.some((v, i) => v !== value[i])) next = split;
    }
    if (next !== value) {
      params ??= { ...eqn.params };
      params[key] = next;
    }
  }
  return params === null ? eqn : { ...eqn, params };
}

/** The scan as a program of the same inputs and outputs with its products split off, or null. */
function splitScan(eqn: Eqn): Jaxpr | null {
  const p = eqn.params as ScanParams;
  if (p.length < 2) return null;
  const plan = planFission(p);
  if (plan === null) return null;
  const closed = traceToJaxpr(
    (...inputs) => runSplit(eqn, p, plan, inputs),
    eqn.inputs.map((a) => a.aval),
    'scan fission',
  );
  // Captured tensors would need new program inputs; keep the loop as it was instead.
  return closed.consts.length === 0 ? closed.jaxpr : null;
}

/**
 * Runs `vars` of `eqns` over all steps at once. Inputs marked `stacked` carry the time axis
 * first, and so do the results, except the last `unstacked` ones: values that are the same at
 * every step, computed once.
 */
function overSteps(
  length: number,
  eqns: readonly Eqn[],
  inputs: ReadonlyMap<Var, { value: Tensor; stacked: boolean }>,
  vars: readonly Var[],
  unstacked = 0,
): Tensor[] {
  if (vars.length === 0) return [];
  const binders = [...inputs.keys()];
  const program = new Jaxpr(binders, eqns, vars);
  const entries = binders.map((v) => inputs.get(v)!);
  const [outs, dims] = batchFlat(
    (...args) => evalJaxpr(program, args),
    length,
    entries.map((e) => e.value),
    entries.map((e) => (e.stacked ? 0 : null)),
  );
  const firstUnstacked = vars.length - unstacked;
  return outs.map((o, i) => (i >= firstUnstacked ? o : moveBatchAxis(length, dims[i], 0, o)));
}

function runSplit(eqn: Eqn, p: ScanParams, plan: FissionPlan, inputs: Tensor[]): Tensor[] {
  const [consts, init, xs] = splitList(inputs, p.numConsts, p.numCarry);
  const outside = new Map<Var, { value: Tensor; stacked: boolean }>();
  plan.consts.forEach((v, i) => {
    outside.set(v, { value: consts[i], stacked: false });
  });
  plan.xs.forEach((v, i) => {
    outside.set(v, { value: xs[i], stacked: true });
  });

  // Before the loop: the hoisted products over all steps (loop-invariant values computed once).
  const [hoistedValues, invariant] = splitList(
    overSteps(
      p.length,
      plan.hoisted,
      outside,
      [...plan.hoistedXs, ...plan.hoistedConsts],
      plan.hoistedConsts.length,
    ),
    plan.hoistedXs.length,
  );
  plan.hoistedXs.forEach((v, i) => {
    outside.set(v, { value: hoistedValues[i], stacked: true });
  });
  plan.hoistedConsts.forEach((v, i) => {
    outside.set(v, { value: invariant[i], stacked: false });
  });

  // The loop: the remaining carries, the kept ys, and the values the sunk part reads.
  const body = p.body;
  const keptCarry = plan.carry.map((_, k) => !plan.accumulators.has(k));
  const carryOuts = body.outs.slice(0, p.numCarry);
  const ysOuts = body.outs.slice(p.numCarry);
  const loopBody = new Jaxpr(
    [
      ...plan.consts,
      ...plan.hoistedConsts,
      ...plan.carry.filter((_, k) => keptCarry[k]),
      ...plan.xs,
      ...plan.hoistedXs,
    ],
    plan.loop,
    [
      ...carryOuts.filter((_, k) => keptCarry[k]),
      ...ysOuts.filter((_, j) => plan.ysSource[j] === 'loop'),
      ...plan.stackedForSink,
    ],
  );
  const numCarry = keptCarry.filter((k) => k).length;
  const loopOuts = bind(
    eqn.prim,
    [...consts, ...invariant, ...init.filter((_, k) => keptCarry[k]), ...xs, ...hoistedValues],
    { ...p, body: loopBody, numConsts: consts.length + invariant.length, numCarry },
  );
  const [carryFinal, keptYs, stackedValues] = splitList(
    loopOuts,
    numCarry,
    plan.ysSource.filter((s) => s === 'loop').length,
  );
  plan.stackedForSink.forEach((v, i) => {
    outside.set(v, { value: stackedValues[i], stacked: true });
  });

  // After the loop: the sunk ys, and each accumulator's sum over the steps.
  const sunkYVars = ysOuts.filter((_, j) => plan.ysSource[j] === 'after') as Var[];
  const sums = [...plan.accumulators].map(([k, delta]) => ({ k, recipe: sumRecipe(plan, delta) }));
  const wanted = [...sunkYVars, ...sums.flatMap((s) => s.recipe.operands)];
  const after = overSteps(p.length, plan.sunk, outside, wanted);
  const afterOf = new Map(wanted.map((v, i) => [v, after[i]]));
  const finals = new Map<number, Tensor>();
  for (const { k, recipe } of sums) finals.set(k, add(init[k], recipe.sum(afterOf)));

  let c = 0;
  let y = 0;
  let s = 0;
  return [
    ...plan.carry.map((_, k) => (keptCarry[k] ? carryFinal[c++] : finals.get(k)!)),
    ...ysOuts.map((a, j) => {
      const source = plan.ysSource[j];
      if (source === 'loop') return keptYs[y++];
      return source === 'after' ? afterOf.get(sunkYVars[s++])! : outside.get(a as Var)!.value;
    }),
  ];
}

interface SumRecipe {
  /** Per-step values the sum needs, stacked over the steps. */
  readonly operands: readonly Var[];
  sum(stacked: ReadonlyMap<Var, Tensor>): Tensor;
}

/**
 * Σ_t Δ_t from stacked values. Σ goes through transposes (it commutes with them) and adds
 * (Σ(a + b) = Σa + Σb: a step unrolled k times adds k products) down to terms: a product of two
 * per-step values is one product contracting over t too, a sum one sum over t too, anything
 * else the stacked value summed over t.
 */
function sumRecipe(plan: FissionPlan, delta: Var): SumRecipe {
  const producer = new Map<Var, Eqn>();
  for (const e of plan.sunk) for (const v of e.outBinders) producer.set(v, e);
  // Values of the sunk part that differ from step to step.
  const perStep = dependents(plan.sunk, [...plan.xs, ...plan.hoistedXs, ...plan.stackedForSink]);
  const stepVar = (x: Atom | undefined): x is Var => x instanceof Var && perStep.has(x);
  const terms: SumRecipe[] = [];
  const work: { v: Var; perms: number[][] }[] = [{ v: delta, perms: [] }];
  while (work.length > 0) {
    const { v, perms } = work.pop()!;
    const e = producer.get(v);
    const [a, b] = (e?.inputs ?? []) as Atom[];
    if (e?.prim.name === 'transpose' && a instanceof Var) {
      work.push({ v: a, perms: [...perms, [...(e.params.permutation as readonly number[])]] });
    } else if (
      e?.prim.name === 'add' &&
      a instanceof Var &&
      b instanceof Var &&
      a.aval.equals(v.aval) &&
      b.aval.equals(v.aval)
    ) {
      work.push({ v: a, perms }, { v: b, perms });
    } else {
      terms.push(sumTerm(v, e, stepVar, perms));
    }
  }
  return {
    operands: terms.flatMap((t) => t.operands),
    sum: (m) => terms.map((t) => t.sum(m)).reduce((acc, t) => add(acc, t)),
  };
}

/** Σ_t of one term, then the transposes above it (innermost last in `perms`). */
function sumTerm(
  v: Var,
  e: Eqn | undefined,
  stepVar: (x: Atom | undefined) => x is Var,
  perms: readonly number[][],
): SumRecipe {
  const untranspose = (t: Tensor) => perms.reduceRight((acc, perm) => transpose(acc, perm), t);
  const [a, b] = (e?.inputs ?? []) as Atom[];
  const up = (axes: readonly number[]) => axes.map((i) => i + 1);
  if (e?.prim.name === 'dot_general' && stepVar(a) && stepVar(b)) {
    const d = e.params as DotGeneralParams;
    return {
      operands: [a, b],
      sum: (m) =>
        untranspose(
          dotGeneral(m.get(a)!, m.get(b)!, {
            lhsContracting: [0, ...up(d.lhsContracting)],
            rhsContracting: [0, ...up(d.rhsContracting)],
            lhsBatch: up(d.lhsBatch),
            rhsBatch: up(d.rhsBatch),
          }),
        ),
    };
  }
  if (e?.prim.name === 'reduce_sum' && stepVar(a)) {
    const axes = e.params.axes as readonly number[];
    return { operands: [a], sum: (m) => untranspose(reduceSum(m.get(a)!, [0, ...up(axes)])) };
  }
  return { operands: [v], sum: (m) => untranspose(reduceSum(m.get(v)!, [0])) };
}
