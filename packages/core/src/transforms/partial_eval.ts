// SPDX-License-Identifier: MIT
import { ClosedJaxpr, type Eqn, Jaxpr, Var } from '../ir/jaxpr.js';
import type { ShapedArray } from '../tensor/aval.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Params, Primitive } from '../trace/primitive.js';
import { bind, fullLower, fullRaise, Trace, Tracer, withMainTrace } from '../trace/trace.js';

/** Either a known value (computed now) or an unknown one of a given type (staged for later). */
export type PartialVal = { known: true; value: Tensor } | { known: false; aval: ShapedArray };

type Recipe =
  | { kind: 'input' }
  | { kind: 'const'; value: Tensor }
  | { kind: 'eqn'; prim: Primitive; inputs: PETracer[]; params: Params; outs: PETracer[] };

/** A value during partial evaluation, with the recipe that produces it if it is unknown. */
export class PETracer extends Tracer {
  recipe: Recipe | null;

  constructor(
    readonly trace: PartialEvalTrace,
    readonly pval: PartialVal,
    recipe: Recipe | null,
  ) {
    super();
    this.recipe = recipe;
  }

  get aval(): ShapedArray {
    return this.pval.known ? this.pval.value.aval : this.pval.aval;
  }

  override fullLower(): Tensor {
    return this.pval.known ? fullLower(this.pval.value) : this;
  }
}

/** Custom partial-evaluation rule of a higher-order primitive (scan, cond, jit). */
export type PartialEvalRule = (
  trace: PartialEvalTrace,
  tracers: PETracer[],
  params: Params,
) => Tensor[];

/**
 * Partial evaluation: work whose inputs are all known runs immediately; the rest is recorded as
 * a graph of recipes and later turned into a jaxpr. Linearize runs a JVP under this trace with
 * known primals and unknown tangents, so the recorded part is exactly the linear tangent map.
 */
export class PartialEvalTrace extends Trace {
  newArg(pval: PartialVal): PETracer {
    return new PETracer(this, pval, { kind: 'input' });
  }

  pure(value: Tensor): Tensor {
    return new PETracer(this, { known: true, value }, null);
  }

  lift(value: Tensor): Tensor {
    return this.pure(value);
  }

  /** Makes a known tracer usable as an input of a staged equation. */
  instantiate(tracer: PETracer): PETracer {
    if (!tracer.pval.known) return tracer;
    return new PETracer(
      this,
      { known: false, aval: tracer.aval },
      { kind: 'const', value: tracer.pval.value },
    );
  }

  /** Records an equation on unknown inputs and returns its (unknown) outputs. */
  stage(prim: Primitive, tracers: PETracer[], params: Params, outAvals: ShapedArray[]): PETracer[] {
    const inputs = tracers.map((t) => this.instantiate(t));
    const outs = outAvals.map((aval) => new PETracer(this, { known: false, aval }, null));
    const recipe: Recipe = { kind: 'eqn', prim, inputs, params, outs };
    for (const o of outs) o.recipe = recipe;
    return outs;
  }

  processPrimitive(prim: Primitive, tracers: Tensor[], params: Params): Tensor[] {
    const pes = tracers as PETracer[];
    if (pes.every((t) => t.pval.known)) {
      return bind(
        prim,
        pes.map((t) => t.fullLower()),
        params,
      );
    }
    const rule = prim.higherOrder?.partialEval as PartialEvalRule | undefined;
    if (rule) return rule(this, pes, params);
    return this.stage(
      prim,
      pes,
      params,
      prim.abstractEval(
        pes.map((t) => t.aval),
        params,
      ),
    );
  }
}

/**
 * Turns the recipe graph behind `outs` into a closed jaxpr over `ins` (iterative topological
 * sort: a 10,000-step unrolled graph must not overflow the stack).
 */
export function tracersToJaxpr(ins: PETracer[], outs: PETracer[]): ClosedJaxpr {
  const vars = new Map<PETracer, Var>();
  const varOf = (t: PETracer) => {
    let v = vars.get(t);
    if (!v) {
      v = new Var(t.aval);
      vars.set(t, v);
    }
    return v;
  };
  const inVars = ins.map(varOf);
  const constVars: Var[] = [];
  const constValues: Tensor[] = [];
  const seenConst = new Set<PETracer>();
  type EqnRecipe = Extract<Recipe, { kind: 'eqn' }>;
  const order: EqnRecipe[] = [];
  const visited = new Set<Recipe>();
  const stack: [PETracer, boolean][] = outs.map((t) => [t, false]);
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    const r = t.recipe;
    if (!r) continue;
    if (r.kind === 'const') {
      if (!seenConst.has(t)) {
        seenConst.add(t);
        constVars.push(varOf(t));
        constValues.push(r.value);
      }
      continue;
    }
    if (r.kind !== 'eqn') continue;
    if (expanded) {
      order.push(r);
      continue;
    }
    if (visited.has(r)) continue;
    visited.add(r);
    stack.push([t, true]);
    for (let i = r.inputs.length - 1; i >= 0; i--) {
      const inp = r.inputs[i];
      if (inp.recipe && !(inp.recipe.kind === 'eqn' && visited.has(inp.recipe)))
        stack.push([inp, false]);
    }
  }
  const eqns: Eqn[] = order.map((r) => ({
    prim: r.prim,
    inputs: r.inputs.map(varOf),
    params: r.params,
    outBinders: r.outs.map(varOf),
  }));
  return new ClosedJaxpr(new Jaxpr([...constVars, ...inVars], eqns, outs.map(varOf)), constValues);
}

/**
 * Partially evaluates `f` on the given known/unknown inputs. Returns the outputs' partial
 * values and a closed jaxpr computing the unknown outputs from the unknown inputs.
 */
export function partialEvalFlat(
  f: (...args: Tensor[]) => Tensor[],
  pvals: readonly PartialVal[],
): { outs: PartialVal[]; jaxpr: ClosedJaxpr } {
  return withMainTrace(PartialEvalTrace, null, 'linearize', (main) => {
    const trace = main.trace as PartialEvalTrace;
    const ins = pvals.map((p) => trace.newArg(p));
    const outs = f(...ins).map((o) => fullRaise(trace, o) as PETracer);
    const unknownIns = ins.filter((t) => !t.pval.known);
    const unknownOuts = outs.filter((t) => !t.pval.known);
    return { outs: outs.map((t) => t.pval), jaxpr: tracersToJaxpr(unknownIns, unknownOuts) };
  });
}
