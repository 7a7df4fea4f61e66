// SPDX-License-Identifier: MIT
import { debugFlags } from '../debug/config.js';
import { checkFloatingPoint } from '../debug/nans.js';
import { ConcretizationError, TracerLeakError } from '../errors.js';
import type { ShapedArray } from '../tensor/aval.js';
import type { ConcreteTensor } from '../tensor/concrete.js';
import type { TypedArray } from '../tensor/dtype.js';
import { formatTraced } from '../tensor/format.js';
import { Tensor } from '../tensor/tensor.js';
import type { Params, Primitive } from './primitive.js';

/**
 * One active transformation (an "interpreter"), ordered by `level`. Level 0 is eager evaluation.
 * A tracer is tagged with its main trace, so nested transformations of the same kind never
 * confuse each other's values (no perturbation confusion in grad-of-grad).
 */
export class MainTrace {
  active = true;
  readonly trace: Trace;

  constructor(
    readonly level: number,
    TraceClass: new (main: MainTrace) => Trace,
    /** Shared state of this transformation (e.g. the IR builder when staging). */
    readonly globalData: unknown,
    /** The transformation's name as users know it, for error messages. */
    readonly kind: string,
  ) {
    this.trace = new TraceClass(this);
  }
}

/** An interpreter: how each primitive is processed on values of this transformation. */
export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Boxes a value from outside every transformation (a constant). */
  abstract pure(value: Tensor): Tensor;
  /** Boxes a tracer of a lower-level transformation. */
  abstract lift(value: Tensor): Tensor;
  abstract processPrimitive(prim: Primitive, tracers: Tensor[], params: Params): Tensor[];
}

/** A tensor standing for a value inside a transformation. */
export abstract class Tracer extends Tensor {
  abstract readonly trace: Trace;

  /** The simplest value equal to this one (e.g. a JVP tracer with zero tangent is its primal). */
  fullLower(): Tensor {
    return this;
  }

  concrete(reason: string): { readonly buffer: TypedArray } {
    throw new ConcretizationError(
      `${reason} needs concrete values, but this is an abstract ${this.aval} traced by ` +
        `${this.trace.main.kind}. Inside a transformation only shapes and dtypes are known; ` +
        'use where/cond instead of JS control flow on values, or move the call outside.',
    );
  }

  /** Only the type is known while tracing: `Traced<float32[4,3]> (jvp)`. */
  override toString(): string {
    return formatTraced(this.shape, this.dtype, this.trace.main.kind);
  }
}

/** Eager evaluation: runs each primitive's kernel. */
export class EvalTrace extends Trace {
  pure(value: Tensor): Tensor {
    return value;
  }

  lift(value: Tensor): Tensor {
    return value;
  }

  processPrimitive(prim: Primitive, tensors: Tensor[], params: Params): Tensor[] {
    const avals: ShapedArray[] = tensors.map((t) => t.aval);
    const outAvals = prim.abstractEval(avals, params);
    const outs = prim.impl(tensors as ConcreteTensor[], params, outAvals);
    // config.update('debugNans', true): the one branch the hot path pays when it is off.
    if (debugFlags.checkValues) checkFloatingPoint(prim.name, tensors as ConcreteTensor[], outs);
    return outs;
  }
}

const stack: MainTrace[] = [new MainTrace(0, EvalTrace, null, 'eager evaluation')];
// Staging traces (jit, scan bodies, makeJaxpr) must see even operations on constants, so the
// innermost one acts as a floor for dispatch ("omnistaging").
let dynamic: MainTrace = stack[0];

/** Runs `fn` with a new transformation on top of the stack; it is retired even on throw. */
export function withMainTrace<R>(
  TraceClass: new (main: MainTrace) => Trace,
  globalData: unknown,
  kind: string,
  fn: (main: MainTrace) => R,
): R {
  const main = new MainTrace(stack.length, TraceClass, globalData, kind);
  stack.push(main);
  try {
    return fn(main);
  } finally {
    stack.pop();
    main.active = false;
  }
}

/** Makes `main` the dispatch floor while `fn` runs (used by staging transformations). */
export function withDynamicTrace<R>(main: MainTrace, fn: () => R): R {
  const previous = dynamic;
  dynamic = main;
  try {
    return fn();
  } finally {
    dynamic = previous;
  }
}

export function currentDynamicLevel(): number {
  return dynamic.level;
}

function leakError(op: string, tracer: Tracer): TracerLeakError {
  return new TracerLeakError(
    `${op}: got a tracer ${tracer.aval} created by ${tracer.trace.main.kind}, which has already ` +
      'returned. A value computed inside a transformation escaped it (stored in an outer ' +
      'variable or closure). Return it from the transformed function instead.',
  );
}

function findTopTrace(prim: Primitive, args: Tensor[]): Trace {
  let top = dynamic;
  for (const a of args) {
    if (a instanceof Tracer) {
      const main = a.trace.main;
      if (!main.active) throw leakError(prim.name, a);
      if (main.level > top.level) top = main;
    }
  }
  return top.trace;
}

/** Boxes `value` for `trace`, lifting tracers of lower levels. */
export function fullRaise(trace: Trace, value: Tensor, op = 'bind'): Tensor {
  if (!(value instanceof Tracer)) return trace.pure(value);
  const main = value.trace.main;
  if (main === trace.main) return value;
  if (!main.active) throw leakError(op, value);
  if (main.level < trace.main.level) return trace.lift(value);
  throw new TracerLeakError(
    `${op}: a tracer of ${main.kind} (level ${main.level}) reached ${trace.main.kind} ` +
      `(level ${trace.main.level}); it escaped the transformation that created it.`,
  );
}

export function fullLower(value: Tensor): Tensor {
  return value instanceof Tracer ? value.fullLower() : value;
}

/** Applies `prim` to `args` under the innermost relevant transformation. */
export function bind<P extends Params>(prim: Primitive<P>, args: Tensor[], params: P): Tensor[] {
  const trace = findTopTrace(prim, args);
  if (trace.main.level === 0) return trace.processPrimitive(prim as Primitive, args, params);
  const raised = args.map((a) => fullRaise(trace, a, prim.name));
  const outs = trace.processPrimitive(prim as Primitive, raised, params);
  return outs.map(fullLower);
}

/** `bind` for single-output primitives. */
export function bind1<P extends Params>(prim: Primitive<P>, args: Tensor[], params: P): Tensor {
  return bind(prim, args, params)[0];
}
