// SPDX-License-Identifier: MIT
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Params, Primitive } from '../trace/primitive.js';
import {
  fullRaise,
  type MainTrace,
  Trace,
  Tracer,
  withDynamicTrace,
  withMainTrace,
} from '../trace/trace.js';
import { type Atom, ClosedJaxpr, type Eqn, Jaxpr, Lit, Var } from './jaxpr.js';

/** A value being staged into IR: only its type is known. */
export class JaxprTracer extends Tracer {
  constructor(
    readonly trace: JaxprTrace,
    readonly aval: ShapedArray,
  ) {
    super();
  }
}

/** Collects the equations recorded while a function is traced. */
class JaxprBuilder {
  readonly eqns: Eqn[] = [];
  readonly vars = new Map<JaxprTracer, Var>();
  readonly constTracers = new Map<Tensor, JaxprTracer>();
  readonly constValues = new Map<Var, Tensor>();

  newVar(tracer: JaxprTracer): Var {
    const v = new Var(tracer.aval);
    this.vars.set(tracer, v);
    return v;
  }

  build(inTracers: JaxprTracer[], outTracers: JaxprTracer[]): ClosedJaxpr {
    const constVars = [...this.constValues.keys()];
    const inVars = inTracers.map((t) => this.vars.get(t)!);
    // Scalar constants become literals inside equations, so listings read `mul b 2.0`.
    const literals = new Map<Var, Lit>();
    const keptConsts: Var[] = [];
    for (const v of constVars) {
      const value = this.constValues.get(v)!;
      if (value instanceof ConcreteTensor && value.ndim === 0) {
        literals.set(v, new Lit(value.buffer[0], value.aval));
      } else keptConsts.push(v);
    }
    const subst = (a: Atom): Atom => (a instanceof Var ? (literals.get(a) ?? a) : a);
    const eqns = this.eqns.map((e) => ({ ...e, inputs: e.inputs.map(subst) }));
    const outs = outTracers.map((t) => subst(this.vars.get(t)!));
    const jaxpr = new Jaxpr([...keptConsts, ...inVars], eqns, outs);
    return new ClosedJaxpr(
      jaxpr,
      keptConsts.map((v) => this.constValues.get(v)!),
    );
  }
}

/** The staging interpreter: records each primitive as an equation instead of running it. */
export class JaxprTrace extends Trace {
  get builder(): JaxprBuilder {
    return this.main.globalData as JaxprBuilder;
  }

  newArg(aval: ShapedArray): JaxprTracer {
    const tracer = new JaxprTracer(this, aval);
    this.builder.newVar(tracer);
    return tracer;
  }

  // Values from outside (concrete tensors, or tracers of enclosing transformations such as the
  // JVP tracers of parameters a scan body closes over) become constant inputs of the program.
  pure(value: Tensor): Tensor {
    const builder = this.builder;
    let tracer = builder.constTracers.get(value);
    if (!tracer) {
      tracer = new JaxprTracer(this, new ShapedArray(value.shape, value.dtype));
      builder.constTracers.set(value, tracer);
      builder.constValues.set(builder.newVar(tracer), value);
    }
    return tracer;
  }

  lift(value: Tensor): Tensor {
    return this.pure(value);
  }

  processPrimitive(prim: Primitive, tracers: Tensor[], params: Params): Tensor[] {
    const inAvals = tracers.map((t) => t.aval);
    const outAvals = prim.abstractEval(inAvals, params);
    const builder = this.builder;
    const outs = outAvals.map((a) => new JaxprTracer(this, a));
    builder.eqns.push({
      prim,
      inputs: tracers.map((t) => builder.vars.get(t as JaxprTracer)!),
      params,
      outBinders: outs.map((t) => builder.newVar(t)),
    });
    return outs;
  }
}

/**
 * Traces `f` on abstract inputs of the given types into a closed jaxpr. Constants it closes over
 * are hoisted into leading inputs; `f` runs exactly once.
 */
export function traceToJaxpr(
  f: (...args: Tensor[]) => Tensor[],
  inAvals: readonly ShapedArray[],
  kind = 'makeJaxpr',
): ClosedJaxpr {
  return withMainTrace(JaxprTrace, new JaxprBuilder(), kind, (main: MainTrace) => {
    const trace = main.trace as JaxprTrace;
    const inTracers = inAvals.map((a) => trace.newArg(a));
    const outs = withDynamicTrace(main, () => f(...inTracers));
    const outTracers = outs.map((o) => fullRaise(trace, o) as JaxprTracer);
    return trace.builder.build(inTracers, outTracers);
  });
}
