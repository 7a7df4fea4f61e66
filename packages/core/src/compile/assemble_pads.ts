// SPDX-License-Identifier: MIT
// Reverse mode turns slices cut from one array (an LSTM's four gates, cut from one product) into
// pads of their cotangents, then adds them: each pad fills the whole array with zeros, and the
// adds read every copy. When the pads tile the array along one axis, their sum is just the
// pieces side by side, so this pass rewrites it as one concatenate: written once, nothing filled.
// Each piece gets `+ 0` first, which keeps the bits of the sum (in it, −0 + 0 became +0); that
// add fuses into the kernel computing the piece. Scan bodies are rewritten too (the backward
// loop is where this runs once per step).
import type { ScanParams } from '../control/scan_primitive.js';
import { type Atom, type Eqn, Jaxpr, Lit, useCounts, Var } from '../ir/jaxpr.js';
import { addPrim } from '../prims/add.js';
import { concatenatePrim } from '../prims/concatenate.js';
import type { PadParams } from '../prims/pad.js';
import { ShapedArray } from '../tensor/aval.js';

/** A value that is a sum of single-use pads, and the equations that compute it. */
interface PadSum {
  readonly pads: readonly Eqn[];
  readonly eqns: readonly Eqn[];
}

/** `jaxpr` with each sum of pads that tiles its array along one axis made a concatenate. */
export function assemblePads(jaxpr: Jaxpr): Jaxpr {
  const uses = useCounts(jaxpr.eqns, jaxpr.outs);
  const once = (a: Atom): a is Var => a instanceof Var && uses.get(a) === 1;

  const sums = new Map<Var, PadSum>();
  const absorbed = new Set<Var>();
  const eqns = jaxpr.eqns.map((e) => (e.prim.name === 'scan' ? withAssembledBody(e) : e));
  for (const e of eqns) {
    const [out] = e.outBinders;
    if (e.prim.name === 'pad') sums.set(out, { pads: [e], eqns: [e] });
    if (e.prim.name !== 'add') continue;
    const [a, b] = e.inputs;
    if (!once(a) || !once(b)) continue;
    const x = sums.get(a);
    const y = sums.get(b);
    if (!x || !y || !a.aval.equals(out.aval) || !b.aval.equals(out.aval)) continue;
    sums.set(out, { pads: [...x.pads, ...y.pads], eqns: [...x.eqns, ...y.eqns, e] });
    absorbed.add(a).add(b);
  }

  const replaced = new Set<Eqn>();
  const replacement = new Map<Eqn, Eqn[]>();
  for (const [out, sum] of sums) {
    if (absorbed.has(out) || sum.pads.length < 2) continue;
    const axis = tilingAxis(sum.pads, out.aval.shape);
    if (axis === null) continue;
    for (const e of sum.eqns) replaced.add(e);
    replacement.set(sum.eqns[sum.eqns.length - 1], concatenation(sum.pads, axis, out));
  }
  if (replaced.size === 0 && eqns.every((e, i) => e === jaxpr.eqns[i])) return jaxpr;
  const kept: Eqn[] = [];
  for (const e of eqns) {
    if (!replaced.has(e)) kept.push(e);
    else kept.push(...(replacement.get(e) ?? []));
  }
  return new Jaxpr(jaxpr.inBinders, kept, jaxpr.outs);
}

function withAssembledBody(e: Eqn): Eqn {
  const p = e.params as ScanParams;
  const body = assemblePads(p.body);
  return body === p.body ? e : { ...e, params: { ...p, body } };
}

/**
 * The axis along which the pads' pieces lie side by side and cover `shape` exactly (unit steps,
 * whole extent on every other axis, no piece empty), or null.
 */
function tilingAxis(pads: readonly Eqn[], shape: readonly number[]): number | null {
  const placed = pads.map((e) => ({
    extent: e.inputs[0].aval.shape,
    starts: (e.params as PadParams).starts,
    steps: (e.params as PadParams).steps,
  }));
  if (placed.some((p) => p.steps.some((s) => s !== 1) || p.extent.some((d) => d === 0))) {
    return null;
  }
  for (let axis = 0; axis < shape.length; axis++) {
    const whole = placed.every((p) =>
      p.extent.every((d, i) => i === axis || (p.starts[i] === 0 && d === shape[i])),
    );
    if (!whole) continue;
    const sorted = [...placed].sort((p, q) => p.starts[axis] - q.starts[axis]);
    let at = 0;
    for (const p of sorted) at = p.starts[axis] === at ? at + p.extent[axis] : Number.NaN;
    if (at === shape[axis]) return axis;
  }
  return null;
}

/** `out = concatenate(piece + 0, ...)` in the pieces' order along `axis`. */
function concatenation(pads: readonly Eqn[], axis: number, out: Var): Eqn[] {
  const ordered = [...pads].sort(
    (p, q) => (p.params as PadParams).starts[axis] - (q.params as PadParams).starts[axis],
  );
  const zero = new Lit(0, new ShapedArray([], out.aval.dtype));
  const eqns: Eqn[] = ordered.map((pad) => {
    const piece = pad.inputs[0];
    return {
      prim: addPrim,
      inputs: [piece, zero],
      params: {},
      outBinders: [new Var(piece.aval)],
    };
  });
  eqns.push({
    prim: concatenatePrim,
    inputs: eqns.map((e) => e.outBinders[0]),
    params: { axis },
    outBinders: [out],
  });
  return eqns;
}
