// SPDX-License-Identifier: MIT
import { NotDifferentiableError } from '../errors.js';
import type { ShapedArray } from '../tensor/aval.js';
import { isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { MaybeZero, Params, Primitive } from '../trace/primitive.js';
import { bind, fullRaise, Trace, Tracer, withMainTrace } from '../trace/trace.js';

/** A dual number: a primal value with its tangent (null for a symbolic zero). */
export class JVPTracer extends Tracer {
  constructor(
    readonly trace: JVPTrace,
    readonly primal: Tensor,
    readonly tangent: MaybeZero,
  ) {
    super();
  }

  get aval(): ShapedArray {
    return this.primal.aval;
  }

  override fullLower(): Tensor {
    // A zero tangent carries no information: the primal is the simpler equal value.
    return this.tangent === null ? this.primal : this;
  }
}

/** Forward-mode differentiation: each primitive's jvp rule maps (primals, tangents) forward. */
export class JVPTrace extends Trace {
  pure(value: Tensor): Tensor {
    return new JVPTracer(this, value, null);
  }

  lift(value: Tensor): Tensor {
    return new JVPTracer(this, value, null);
  }

  processPrimitive(prim: Primitive, tracers: Tensor[], params: Params): Tensor[] {
    const duals = tracers as JVPTracer[];
    const primals = duals.map((t) => t.primal);
    const tangents = duals.map((t) => t.tangent);
    if (tangents.every((t) => t === null)) {
      return bind(prim, primals, params).map((p) => new JVPTracer(this, p, null));
    }
    if (!prim.jvp) {
      throw new NotDifferentiableError(
        `${prim.name}: forward-mode differentiation is not defined for this primitive.`,
      );
    }
    const [primalsOut, tangentsOut] = prim.jvp(primals, tangents, params);
    return primalsOut.map(
      (p, i) => new JVPTracer(this, p, isFloat(p.dtype) ? (tangentsOut[i] ?? null) : null),
    );
  }
}

/**
 * Flat JVP: runs `f` on dual numbers and returns primal and tangent outputs (tangents may be
 * symbolic zeros, null, when an output does not depend on the inputs).
 */
export function jvpFlat(
  f: (...args: Tensor[]) => Tensor[],
  primals: readonly Tensor[],
  tangents: readonly MaybeZero[],
): [Tensor[], MaybeZero[]] {
  return withMainTrace(JVPTrace, null, 'jvp', (main) => {
    const trace = main.trace as JVPTrace;
    const ins = primals.map((p, i) => new JVPTracer(trace, p, tangents[i]));
    const outs = f(...ins).map((o) => fullRaise(trace, o) as JVPTracer);
    return [outs.map((o) => o.primal), outs.map((o) => o.tangent)];
  });
}
