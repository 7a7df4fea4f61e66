// SPDX-License-Identifier: MIT
// Dead-code elimination before lowering, looking inside scans: an equation none of whose results
// is used is dropped, and a scan whose stacked outputs (ys) are partly unused gets a body that
// no longer computes or stores them (an RNN whose caller keeps only the final state).
import type { ScanParams } from '../control/scan_primitive.js';
import { type Eqn, Jaxpr, Lit, type Var } from '../ir/jaxpr.js';

/** `jaxpr` without the equations its outputs do not need (iterative over equations). */
export function prune(jaxpr: Jaxpr): Jaxpr {
  const live = new Set<Var>();
  for (const a of jaxpr.outs) if (!(a instanceof Lit)) live.add(a);
  const kept: Eqn[] = [];
  for (let k = jaxpr.eqns.length - 1; k >= 0; k--) {
    let eqn = jaxpr.eqns[k];
    const used = eqn.outBinders.map((v) => live.has(v));
    if (!used.some((u) => u)) continue;
    if (eqn.prim.name === 'scan') eqn = pruneScan(eqn, used);
    kept.push(eqn);
    for (const a of eqn.inputs) if (!(a instanceof Lit)) live.add(a);
  }
  kept.reverse();
  return new Jaxpr(jaxpr.inBinders, kept, jaxpr.outs);
}

/** A scan that computes only its carries and the ys marked used, reading only what it needs. */
function pruneScan(eqn: Eqn, used: readonly boolean[]): Eqn {
  const p = eqn.params as ScanParams;
  const body = p.body;
  const keepOut = body.outs.map((_, i) => i < p.numCarry || used[i]);
  const pruned = prune(
    new Jaxpr(
      body.inBinders,
      body.eqns,
      body.outs.filter((_, i) => keepOut[i]),
    ),
  );
  const read = new Set<Var>();
  for (const e of pruned.eqns) for (const a of e.inputs) if (!(a instanceof Lit)) read.add(a);
  for (const a of pruned.outs) if (!(a instanceof Lit)) read.add(a);
  // Carries stay (they are the loop); unread consts and xs are dropped.
  const keepIn = body.inBinders.map(
    (v, i) => (i >= p.numConsts && i < p.numConsts + p.numCarry) || read.has(v),
  );
  if (keepOut.every((k) => k) && keepIn.every((k) => k)) return eqn;
  return {
    prim: eqn.prim,
    inputs: eqn.inputs.filter((_, i) => keepIn[i]),
    params: {
      ...p,
      body: new Jaxpr(
        body.inBinders.filter((_, i) => keepIn[i]),
        pruned.eqns,
        pruned.outs,
      ),
      numConsts: keepIn.slice(0, p.numConsts).filter((k) => k).length,
    },
    outBinders: eqn.outBinders.filter((_, i) => keepOut[i]),
  };
}
