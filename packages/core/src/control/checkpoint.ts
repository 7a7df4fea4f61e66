// SPDX-License-Identifier: MIT
// checkpoint (rematerialisation): reverse mode saves only the function's inputs and re-runs its
// primal computation during the backward pass, trading compute for memory.
import { evalJaxpr } from '../ir/eval.js';
import { ClosedJaxpr, type Eqn, Jaxpr, Var } from '../ir/jaxpr.js';
import { moveBatchAxis } from '../prims/batching.js';
import type { ConcreteTensor } from '../tensor/concrete.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  definePrimitive,
  type MaybeZero,
  type Primitive,
  UndefPrimal,
} from '../trace/primitive.js';
import { bind } from '../trace/trace.js';
import {
  dce,
  inlineJaxpr,
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

export interface RematParams {
  readonly [key: string]: unknown;
  readonly body: Jaxpr;
}

/**
 * The known/unknown split of a checkpointed body, built like scan's checkpoint plan: the known
 * body is the known half of the partial evaluation (its inputs: the known inputs), and the unknown
 * body, over all inputs in their original order, recomputes that known half (the
 * rematerialisation) and then runs the unknown half on its residuals. Pruning the whole body by
 * dead-code elimination instead would keep higher-order equations that mix known and unknown
 * operands (the jvp of a cond, scan or nested checkpoint) whole: the known body would then read
 * unknown inputs it does not have, and the unknown body would not be linear, so not transposable.
 */
function split(body: Jaxpr, unknowns: boolean[]) {
  const halves = partialEvalJaxpr(
    body,
    unknowns,
    body.outs.map(() => false),
  );
  const { outUnknowns } = halves;
  const nKnownOuts = where(outUnknowns, false).length;
  const knownOuts = halves.known.outs.slice(0, nKnownOuts);
  const pruned = dce(
    new Jaxpr(halves.known.inBinders, halves.known.eqns, knownOuts),
    knownOuts.map(() => true),
  ).jaxpr;
  const knownBody = new Jaxpr(halves.known.inBinders, pruned.eqns, pruned.outs);
  const ins = body.inBinders.map((v) => new Var(v.aval));
  const eqns: Eqn[] = [];
  const recomputed = inlineJaxpr(
    halves.known,
    where(unknowns, false).map((i) => ins[i]),
    eqns,
  );
  const unknownOuts = inlineJaxpr(
    halves.unknown,
    [...recomputed.slice(nKnownOuts), ...where(unknowns, true).map((i) => ins[i])],
    eqns,
  );
  const unknownBody = dce(
    new Jaxpr(ins, eqns, unknownOuts),
    unknownOuts.map(() => true),
  ).jaxpr;
  return { outUnknowns, knownBody, unknownBody };
}

function rematPartialEval(trace: PartialEvalTrace, tracers: PETracer[], p: RematParams): Tensor[] {
  const unknowns = tracers.map((t) => !t.pval.known);
  const { outUnknowns, knownBody, unknownBody } = split(p.body, unknowns);
  const knownVals = tracers.filter((t) => t.pval.known).map((t) => t.fullLower());
  const knownOuts = bind(rematPrim, knownVals, { body: knownBody });
  // The unknown side re-runs the whole body: its residuals are just the known inputs.
  const params: RematParams = { body: unknownBody };
  const outs = trace.stage(
    rematPrim as Primitive,
    tracers,
    params,
    rematPrim.abstractEval(
      tracers.map((t) => t.aval),
      params,
    ),
  );
  return mergeByMask<Tensor>(outUnknowns, knownOuts, outs);
}

function rematPartialEvalJaxpr(eqn: Eqn, unknowns: boolean[]): PartialEvalJaxprResult {
  const p = eqn.params as RematParams;
  const { outUnknowns, knownBody, unknownBody } = split(p.body, unknowns);
  const knownOutVars = eqn.outBinders.filter((_, i) => !outUnknowns[i]);
  const unknownOutVars = eqn.outBinders.filter((_, i) => outUnknowns[i]);
  const knownInputs = eqn.inputs.filter((_, i) => !unknowns[i]);
  return {
    known:
      knownOutVars.length > 0
        ? [
            {
              prim: rematPrim as Primitive,
              inputs: knownInputs,
              params: { body: knownBody },
              outBinders: knownOutVars,
            },
          ]
        : [],
    unknown: {
      prim: rematPrim as Primitive,
      inputs: eqn.inputs,
      params: { body: unknownBody },
      outBinders: unknownOutVars,
    },
    outUnknowns,
    residuals: knownInputs.filter((a): a is Var => a instanceof Var),
  };
}

export const rematPrim: Primitive<RematParams> = definePrimitive<RematParams>({
  name: 'checkpoint',
  abstractEval(_, p) {
    return p.body.outAvals;
  },
  impl(inputs, p) {
    return evalJaxpr(p.body, inputs) as ConcreteTensor[];
  },
  jvp(primals, tangents, p) {
    const nz = tangents.map((t) => t !== null);
    const { jaxpr, outNonzeros } = jvpJaxpr(
      p.body,
      nz,
      p.body.outs.map(() => false),
    );
    const body = new Jaxpr(jaxpr.jaxpr.inBinders, jaxpr.jaxpr.eqns, jaxpr.jaxpr.outs);
    // The JVP'd body's own constants become leading inputs.
    const outs = bind(
      rematPrim,
      [...jaxpr.consts, ...primals, ...(tangents.filter((t) => t !== null) as Tensor[])],
      { body },
    );
    const n = p.body.outs.length;
    let k = n;
    return [outs.slice(0, n), outNonzeros.map((z) => (z ? outs[k++] : null))];
  },
  batch(size, args, dims, p) {
    const { jaxpr, outBatched } = vmapJaxpr(
      p.body,
      size,
      dims.map((d) => d !== null),
      p.body.outs.map(() => false),
    );
    const ops = args.map((x, i) => (dims[i] === null ? x : moveBatchAxis(size, dims[i], 0, x)));
    const outs = bind(rematPrim, [...jaxpr.consts, ...ops], { body: jaxpr.jaxpr });
    return [outs, outBatched.map((b) => (b ? 0 : null))];
  },
  transpose(cts: MaybeZero[], inputs: (Tensor | UndefPrimal)[], p) {
    // The forward sweep inside transposeJaxpr recomputes the primal part: the rematerialisation.
    return scatterBack(inputs, transposeJaxpr(p.body, inputs, cts));
  },
  higherOrder: {
    innerPrograms: (p) => [{ name: 'body', program: new ClosedJaxpr(p.body, []) }],
    partialEval: rematPartialEval,
    partialEvalJaxpr: rematPartialEvalJaxpr,
  },
});

function scatterBack(inputs: (Tensor | UndefPrimal)[], cts: MaybeZero[]): MaybeZero[] {
  let k = 0;
  return inputs.map((x) => (x instanceof UndefPrimal ? cts[k++] : null));
}

/**
 * Wraps `f` so that reverse mode stores only its inputs and recomputes its intermediate values in
 * the backward pass (JAX's `jax.checkpoint`). Values are unchanged; memory for residuals shrinks.
 * @example
 * const layer = checkpoint((w: Tensor, h: Tensor) => tanh(h.matmul(w)));
 * const loss = (w: Tensor, h: Tensor) => sum(layer(w, layer(w, h)));
 * // The backward pass recomputes each layer's tanh instead of storing it.
 * const g = grad(loss)(random.normal(random.key(0), [4, 4]), random.normal(random.key(1), [2, 4]));
 */
export function checkpoint<A extends unknown[], R>(f: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    const [leaves, argsDef] = tensorLeaves('checkpoint', 'argument', args);
    const traced = traceTreeFn(
      'checkpoint',
      (a) => f(...(a as A)),
      [argsDef],
      [avalsOf(leaves)],
      'function',
    );
    const outs = bind(rematPrim, [...traced.closed.consts, ...leaves], {
      body: traced.closed.jaxpr,
    });
    return unflatten<R>(traced.outDef, outs);
  };
}
