// SPDX-License-Identifier: MIT
// Which parts of a scan body can leave the loop (see scan_fission.ts for why). Pure analysis of
// the body's equations: nothing is traced here. All walks are iterative.
import type { ScanParams } from '../control/scan_primitive.js';
import { type Atom, type Eqn, useCounts, Var } from '../ir/jaxpr.js';

/** Where a stacked output of the rewritten scan comes from (see `FissionPlan.ysSource`). */
export type YsSource = 'loop' | 'after' | 'outside';

/** How one scan is split: what runs before, in and after its loop. */
export interface FissionPlan {
  readonly consts: readonly Var[];
  readonly carry: readonly Var[];
  readonly xs: readonly Var[];
  /** Equations run before the loop over all steps at once (index order of the body). */
  readonly hoisted: readonly Eqn[];
  /** Values of the hoisted equations the loop still reads: stacked per step ... */
  readonly hoistedXs: readonly Var[];
  /** ... or the same at every step (they read only consts). */
  readonly hoistedConsts: readonly Var[];
  /** What stays in the loop. */
  readonly loop: readonly Eqn[];
  /** Equations run after the loop on stacked per-step values. */
  readonly sunk: readonly Eqn[];
  /** Carries that only accumulate (`c' = c + Δ`): position → Δ, computed after the loop. */
  readonly accumulators: ReadonlyMap<number, Var>;
  /** Loop values and carries the sunk equations read: the loop stacks them as extra ys. */
  readonly stackedForSink: readonly Var[];
  /**
   * Per ys output, where it comes from: the loop, the sunk part after it, or a stacked value
   * that exists outside already (xs or a hoisted product passed through, as a residual).
   */
  readonly ysSource: readonly YsSource[];
}

const isProduct = (e: Eqn) => e.prim.name === 'dot_general';

/** Every variable computed from `seeds` by `eqns` (the seeds included). */
export function dependents(eqns: readonly Eqn[], seeds: Iterable<Var>): Set<Var> {
  const dep = new Set(seeds);
  for (const e of eqns) {
    if (e.inputs.some((a) => a instanceof Var && dep.has(a)))
      for (const v of e.outBinders) dep.add(v);
  }
  return dep;
}

/** Indices of the equations of `eqns` that `roots` need, the roots' own producers included. */
function ancestors(eqns: readonly Eqn[], roots: Iterable<Var>): Set<number> {
  const producer = new Map<Var, number>();
  eqns.forEach((e, k) => {
    for (const v of e.outBinders) producer.set(v, k);
  });
  const seen = new Set<number>();
  const stack = [...roots];
  while (stack.length > 0) {
    const k = producer.get(stack.pop()!);
    if (k === undefined || seen.has(k)) continue;
    seen.add(k);
    for (const a of eqns[k].inputs) if (a instanceof Var) stack.push(a);
  }
  return seen;
}

/**
 * Plans the fission of one scan, or returns null when no product can leave its loop. First, if
 * products exist that no carry needs, everything no carry needs is sunk, and carries that only
 * add up a sunk Δ become sums after the loop. Then, of what stays in the loop, products that
 * read no carry but read xs are hoisted before it with what they need.
 */
export function planFission(p: ScanParams): FissionPlan | null {
  const body = p.body;
  const ins = body.inBinders;
  const consts = ins.slice(0, p.numConsts);
  const carry = ins.slice(p.numConsts, p.numConsts + p.numCarry);
  const xs = ins.slice(p.numConsts + p.numCarry);

  const sink = planSink(p, body.eqns, carry);
  const inLoop = sink?.loop ?? body.eqns;
  const carryDependent = dependents(inLoop, carry);
  const xsDependent = dependents(inLoop, xs);
  const hoistRoots = inLoop
    .filter(
      (e) =>
        isProduct(e) && !carryDependent.has(e.outBinders[0]) && xsDependent.has(e.outBinders[0]),
    )
    .map((e) => e.outBinders[0]);
  const hoistIdx = ancestors(inLoop, hoistRoots);
  const hoisted = inLoop.filter((_, k) => hoistIdx.has(k));
  const loop = inLoop.filter((_, k) => !hoistIdx.has(k));
  const sunk = sink?.sunk ?? [];
  const ys = body.outs.slice(p.numCarry);
  const afterLoop = (a: Atom) => a instanceof Var && (sink?.sunkOut.has(a) ?? false);
  // Hoisted values the loop, its carries, the ys it keeps or the sunk part read.
  const reads = useCounts(
    [...loop, ...sunk],
    body.outs.filter((a) => !afterLoop(a)),
  );
  const hoistedRead = hoisted.flatMap((e) => e.outBinders).filter((v) => reads.has(v));
  const stackedOutside = new Set([...xs, ...hoistedRead.filter((v) => xsDependent.has(v))]);
  const ysSource = ys.map(
    (a): YsSource =>
      afterLoop(a) ? 'after' : a instanceof Var && stackedOutside.has(a) ? 'outside' : 'loop',
  );
  if (hoisted.length === 0 && sink === null && !ysSource.includes('outside')) return null;
  return {
    consts,
    carry,
    xs,
    hoisted,
    hoistedXs: hoistedRead.filter((v) => xsDependent.has(v)),
    hoistedConsts: hoistedRead.filter((v) => !xsDependent.has(v)),
    loop,
    sunk,
    accumulators: sink?.accumulators ?? new Map(),
    stackedForSink: sink?.stacked(new Set([...consts, ...xs, ...hoistedRead])) ?? [],
    ysSource,
  };
}

interface SinkPlan {
  readonly loop: Eqn[];
  readonly sunk: Eqn[];
  readonly accumulators: Map<number, Var>;
  readonly sunkOut: Set<Var>;
  /** Boundary values the loop must stack, given the values already available outside. */
  stacked(outside: ReadonlySet<Var>): Var[];
}

function planSink(p: ScanParams, eqns: readonly Eqn[], carry: readonly Var[]): SinkPlan | null {
  const outs = p.body.outs;
  const uses = useCounts(eqns, outs);
  const producerEqn = new Map<Var, Eqn>();
  for (const e of eqns) for (const v of e.outBinders) producerEqn.set(v, e);
  // Candidates: c' = c + Δ (either order) with c and c' read nowhere else.
  const candidates = new Map<number, { delta: Var; add: Eqn }>();
  for (let k = 0; k < p.numCarry; k++) {
    const out = outs[k];
    const add = out instanceof Var ? producerEqn.get(out) : undefined;
    if (!(out instanceof Var) || add?.prim.name !== 'add') continue;
    const c = carry[k];
    const [a, b] = add.inputs;
    const delta = a === c ? b : b === c ? a : null;
    if (!(delta instanceof Var) || delta === c || !delta.aval.equals(out.aval)) continue;
    if (uses.get(c) !== 1 || uses.get(out) !== 1) continue;
    candidates.set(k, { delta, add });
  }
  // A candidate whose Δ the recurrence needs anyway stays a carry; repeat until stable.
  let needed: Set<number>;
  for (;;) {
    needed = ancestors(
      eqns,
      outs.slice(0, p.numCarry).filter((a, k): a is Var => a instanceof Var && !candidates.has(k)),
    );
    const neededVars = new Set([...needed].flatMap((k) => eqns[k].outBinders));
    const dropped = [...candidates].filter(
      ([, { delta }]) => neededVars.has(delta) || !producerEqn.has(delta),
    );
    if (dropped.length === 0) break;
    for (const [k] of dropped) candidates.delete(k);
  }
  const adds = new Set([...candidates.values()].map((c) => c.add));
  const sunk = eqns.filter((e, k) => !needed.has(k) && !adds.has(e));
  if (!sunk.some(isProduct)) return null;
  const loop = eqns.filter((_, k) => needed.has(k));
  const sunkOut = new Set(sunk.flatMap((e) => e.outBinders));
  return {
    loop,
    sunk,
    accumulators: new Map([...candidates].map(([k, c]) => [k, c.delta])),
    sunkOut,
    stacked(outside) {
      const boundary = new Set<Var>();
      for (const e of sunk) {
        for (const a of e.inputs) {
          if (a instanceof Var && !sunkOut.has(a) && !outside.has(a)) boundary.add(a);
        }
      }
      return [...boundary];
    },
  };
}
