// SPDX-License-Identifier: MIT
import { DtypeError, NotDifferentiableError, ShapeError, TreeStructureError } from '../errors.js';
import { evalJaxpr } from '../ir/eval.js';
import { ClosedJaxpr, Jaxpr, Var } from '../ir/jaxpr.js';
import { traceToJaxpr } from '../ir/staging.js';
import { type BatchDim, moveBatchAxis } from '../prims/batching.js';
import { gt } from '../prims/comparisons.js';
import { astype } from '../prims/convert_element_type.js';
import { reduceMax } from '../prims/reduce_extrema.js';
import { reshape } from '../prims/reshape.js';
import { select } from '../prims/select.js';
import type { ConcreteTensor } from '../tensor/concrete.js';
import { zeros } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type MaybeZero, type Primitive } from '../trace/primitive.js';
import { bind } from '../trace/trace.js';
import { jvpJaxpr } from '../transforms/jaxpr_transforms.js';
import { vmapJaxpr } from '../transforms/vmap.js';
import { unflatten } from '../tree/tree.js';
import { range, reorderJaxpr, sameMask, splitList } from './layout.js';
import { avalsOf, pathSuffix, tensorLeaves, traceTreeFn } from './trace_tree.js';

export interface WhileParams {
  readonly [key: string]: unknown;
  /** [cond consts..., carry...] -> [bool[]] */
  readonly cond: Jaxpr;
  /** [body consts..., carry...] -> [carry...] */
  readonly body: Jaxpr;
  readonly numCondConsts: number;
  readonly numBodyConsts: number;
}

/**
 * Raised by reverse mode, like JAX's "Reverse-mode differentiation does not work for
 * lax.while_loop or lax.fori_loop with dynamic start/stop values": the trip count is known only
 * at run time, so there is no fixed set of steps whose residuals could be stored.
 */
const REVERSE_MESSAGE =
  'whileLoop: reverse-mode differentiation (grad, vjp) does not work for whileLoop, or for ' +
  'foriLoop with dynamic (traced) start/stop values, because the number of iterations is only ' +
  'known at run time and every step would have to be stored. Use foriLoop with static (number) ' +
  'bounds, or scan with a fixed length, which are reverse-differentiable; forward mode (jvp) ' +
  'through whileLoop works.';

function whileJvp(
  primals: Tensor[],
  tangents: MaybeZero[],
  p: WhileParams,
): [Tensor[], MaybeZero[]] {
  const [condConsts, bodyConsts, carry] = splitList(primals, p.numCondConsts, p.numBodyConsts);
  const [, bodyConstT, carryT] = splitList(tangents, p.numCondConsts, p.numBodyConsts);
  const constNz = bodyConstT.map((t) => t !== null);
  let carryNz = carryT.map((t) => t !== null);
  let jvpBody: ReturnType<typeof jvpJaxpr>;
  for (;;) {
    jvpBody = jvpJaxpr(p.body, [...constNz, ...carryNz], carryNz);
    const next = carryNz.map((c, i) => c || jvpBody.outNonzeros[i]);
    if (sameMask(next, carryNz)) break;
    carryNz = next;
  }
  const closed = jvpBody.jaxpr;
  const nClosed = closed.consts.length;
  const nConsts = p.numBodyConsts;
  const nCarry = carry.length;
  const nConstT = constNz.filter(Boolean).length;
  const nCarryT = carryNz.filter(Boolean).length;
  const base = nClosed + nConsts + nCarry;
  // Body layout: [closed, consts, const tangents] [carry, carry tangents].
  const body = reorderJaxpr(
    closed.jaxpr,
    [
      ...range(0, nClosed + nConsts),
      ...range(base, nConstT),
      ...range(nClosed + nConsts, nCarry),
      ...range(base + nConstT, nCarryT),
    ],
    range(0, nCarry + nCarryT),
  );
  // The condition sees only the primal carry: give it unused binders for the tangents.
  const cond = new Jaxpr(
    [...p.cond.inBinders, ...carry.filter((_, i) => carryNz[i]).map((c) => new Var(c.aval))],
    p.cond.eqns,
    p.cond.outs,
  );
  const carryTIn = carryT
    .map((t, i) => (carryNz[i] ? (t ?? zeros(carry[i].shape, carry[i].dtype)) : null))
    .filter((t): t is Tensor => t !== null);
  const outs = bind(
    whilePrim,
    [
      ...condConsts,
      ...closed.consts,
      ...bodyConsts,
      ...(bodyConstT.filter((t) => t !== null) as Tensor[]),
      ...carry,
      ...carryTIn,
    ],
    { cond, body, numCondConsts: p.numCondConsts, numBodyConsts: nClosed + nConsts + nConstT },
  );
  let k = nCarry;
  return [outs.slice(0, nCarry), carryNz.map((nz) => (nz ? outs[k++] : null))];
}

/**
 * Batching rule. A fixpoint decides which carries are batched. If the predicate is shared, the
 * batched cond and body form one while loop. If it is batched (lanes finish at different
 * iterations), the loop runs while any lane is active and each lane's update is masked by its
 * own predicate with `select`, so finished lanes keep their values.
 */
function whileBatch(
  size: number,
  args: Tensor[],
  dims: BatchDim[],
  p: WhileParams,
): [Tensor[], BatchDim[]] {
  const batched = dims.map((d) => d !== null);
  const [condConstB, bodyConstB, initCarryB] = splitList(batched, p.numCondConsts, p.numBodyConsts);
  let carryB = initCarryB;
  let predBatched = false;
  for (;;) {
    const body = vmapJaxpr(p.body, size, [...bodyConstB, ...carryB], carryB);
    const cond = vmapJaxpr(p.cond, size, [...condConstB, ...carryB], [false]);
    predBatched = cond.outBatched[0];
    let next = carryB.map((c, i) => c || body.outBatched[i]);
    // With per-lane predicates every carry evolves per lane.
    if (predBatched) next = next.map(() => true);
    if (sameMask(next, carryB)) break;
    carryB = next;
  }
  const [condConsts, bodyConsts, carry] = splitList(args, p.numCondConsts, p.numBodyConsts);
  const [condConstD, bodyConstD, carryD] = splitList(dims, p.numCondConsts, p.numBodyConsts);
  const move = (xs: Tensor[], ds: BatchDim[], force?: boolean[]) =>
    xs.map((x, i) => (ds[i] !== null || force?.[i] ? moveBatchAxis(size, ds[i], 0, x) : x));
  const cc = move(condConsts, condConstD);
  const bc = move(bodyConsts, bodyConstD);
  const cv = move(carry, carryD, carryB);
  const outDims = carryB.map((b) => (b ? 0 : null));
  const body = vmapJaxpr(p.body, size, [...bodyConstB, ...carryB], carryB).jaxpr;
  if (!predBatched) {
    const cond = vmapJaxpr(p.cond, size, [...condConstB, ...carryB], [false]).jaxpr;
    const outs = bind(whilePrim, [...cond.consts, ...cc, ...body.consts, ...bc, ...cv], {
      cond: cond.jaxpr,
      body: body.jaxpr,
      numCondConsts: cond.consts.length + cc.length,
      numBodyConsts: body.consts.length + bc.length,
    });
    return [outs, outDims];
  }
  const cond = vmapJaxpr(p.cond, size, [...condConstB, ...carryB], [true]).jaxpr;
  const carryAvals = cv.map((x) => x.aval);
  const lanes = (ccIn: Tensor[], carryIn: Tensor[]) =>
    evalJaxpr(cond.jaxpr, [...cond.consts, ...ccIn, ...carryIn])[0];
  // Loop condition: any lane still active.
  const anyCond = traceToJaxpr(
    (...xs: Tensor[]) => {
      const [ccIn, carryIn] = splitList(xs, cc.length);
      const active = astype(lanes(ccIn, carryIn), 'int32');
      return [gt(reduceMax(active, [0]), 0)];
    },
    [...cc.map((x) => x.aval), ...carryAvals],
    'vmap of a while condition',
  );
  // Body: step every lane, keep the old carry where the lane's predicate is false.
  const maskedBody = traceToJaxpr(
    (...xs: Tensor[]) => {
      const [ccIn, bcIn, carryIn] = splitList(xs, cc.length, bc.length);
      const active = lanes(ccIn, carryIn); // bool[B]
      const stepped = evalJaxpr(body.jaxpr, [...body.consts, ...bcIn, ...carryIn]);
      return stepped.map((s, i) => {
        const mask = reshape(active, [size, ...s.shape.slice(1).map(() => 1)]);
        return select(mask, s, carryIn[i]);
      });
    },
    [...cc.map((x) => x.aval), ...bc.map((x) => x.aval), ...carryAvals],
    'vmap of a while body',
  );
  const outs = bind(
    whilePrim,
    [...anyCond.consts, ...cc, ...maskedBody.consts, ...cc, ...bc, ...cv],
    {
      cond: anyCond.jaxpr,
      body: maskedBody.jaxpr,
      numCondConsts: anyCond.consts.length + cc.length,
      numBodyConsts: maskedBody.consts.length + cc.length + bc.length,
    },
  );
  return [outs, outDims];
}

export const whilePrim: Primitive<WhileParams> = definePrimitive<WhileParams>({
  name: 'while',
  abstractEval(inputs, p) {
    return inputs.slice(p.numCondConsts + p.numBodyConsts);
  },
  impl(inputs, p) {
    const [condConsts, bodyConsts, init] = splitList(inputs, p.numCondConsts, p.numBodyConsts);
    let carry: Tensor[] = init;
    while ((evalJaxpr(p.cond, [...condConsts, ...carry])[0] as ConcreteTensor).buffer[0]) {
      carry = evalJaxpr(p.body, [...bodyConsts, ...carry]);
    }
    return carry as ConcreteTensor[];
  },
  jvp: whileJvp,
  batch: whileBatch,
  higherOrder: {
    innerPrograms: (p) => [
      { name: 'cond', program: new ClosedJaxpr(p.cond, []) },
      { name: 'body', program: new ClosedJaxpr(p.body, []) },
    ],
    partialEval: () => {
      throw new NotDifferentiableError(REVERSE_MESSAGE);
    },
    partialEvalJaxpr: () => {
      throw new NotDifferentiableError(REVERSE_MESSAGE);
    },
  },
});

/**
 * Repeats `body` while `cond(carry)` is true; the carry keeps its structure, shapes and dtypes.
 * Forward-mode differentiable; for reverse mode use `foriLoop` or `scan`, whose trip counts are
 * static.
 * @example
 * // Doubles x until it reaches 100: 3 → 6 → … → 192.
 * const out = whileLoop((x: Tensor) => lt(x, 100), (x) => x.mul(2), tensor(3));
 */
export function whileLoop<C>(condFn: (carry: C) => Tensor, bodyFn: (carry: C) => C, init: C): C {
  const [initLeaves, carryDef, paths] = tensorLeaves('whileLoop', 'the initial carry', init);
  const avals = avalsOf(initLeaves);
  const cond = traceTreeFn('whileLoop', (c) => condFn(c as C), [carryDef], [avals], 'condition');
  const pred = cond.outLeaves;
  if (pred.length !== 1 || pred[0].ndim !== 0 || pred[0].dtype !== 'bool') {
    const Err = pred.length === 1 && pred[0].ndim === 0 ? DtypeError : ShapeError;
    throw new Err(
      `whileLoop: the condition must return a bool scalar, got ${pred.join(', ') || 'nothing'}; ` +
        'compare a scalar (e.g. lt(i, n)) or reduce the predicate first.',
    );
  }
  const body = traceTreeFn('whileLoop', (c) => bodyFn(c as C), [carryDef], [avals], 'body');
  if (!body.outDef.equals(carryDef)) {
    throw new TreeStructureError(
      `whileLoop: the body changed the structure of the carry (${carryDef.key} became ${body.outDef.key}).`,
    );
  }
  body.outLeaves.forEach((a, i) => {
    if (!a.equals(avals[i])) {
      const Err = a.dtype !== avals[i].dtype ? DtypeError : ShapeError;
      throw new Err(
        `whileLoop: the carry${pathSuffix(paths[i])} enters the body as ${avals[i]} but comes out as ${a}; it must keep its type.`,
      );
    }
  });
  const outs = bind(whilePrim, [...cond.closed.consts, ...body.closed.consts, ...initLeaves], {
    cond: cond.closed.jaxpr,
    body: body.closed.jaxpr,
    numCondConsts: cond.closed.consts.length,
    numBodyConsts: body.closed.consts.length,
  });
  return unflatten<C>(carryDef, outs);
}
