// SPDX-License-Identifier: MIT
// jit: trace a function once per input signature into a jaxpr, cache it, and run it as a single
// `jit_call` primitive. Because `jit_call` is a higher-order primitive with a rule for every
// transformation (its jaxpr is transformed, never the Python-style function), grad(jit(f)),
// jit(grad(f)), vmap(jit(f)) and jit inside scan compose without special cases.
// Execution currently interprets the cached jaxpr; compiling it to JavaScript (compile/) slots
// in behind `impl` without changing any rule.
import { InvalidArgumentError } from '../errors.js';
import { evalJaxpr } from '../ir/eval.js';
import { ClosedJaxpr, type Eqn, type Jaxpr, Var } from '../ir/jaxpr.js';
import { printJaxpr } from '../ir/print.js';
import { traceToJaxpr } from '../ir/staging.js';
import { moveBatchAxis } from '../prims/batching.js';
import { ShapedArray } from '../tensor/aval.js';
import type { ConcreteTensor } from '../tensor/concrete.js';
import { zeros } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import {
  definePrimitive,
  type MaybeZero,
  type Primitive,
  UndefPrimal,
} from '../trace/primitive.js';
import { bind } from '../trace/trace.js';
import { flatten, type TreeDef, unflatten } from '../tree/tree.js';
import { flattenOutput } from './flat.js';
import {
  jvpJaxpr,
  mergeByMask,
  type PartialEvalJaxprResult,
  partialEvalJaxpr,
} from './jaxpr_transforms.js';
import type { PartialEvalTrace, PETracer } from './partial_eval.js';
import { transposeJaxpr } from './transpose.js';
import { vmapJaxpr } from './vmap.js';

export interface JitCallParams {
  readonly [key: string]: unknown;
  readonly jaxpr: Jaxpr;
  /** The jitted function's name, for IR listings. */
  readonly name: string;
}

function call(closed: ClosedJaxpr, args: Tensor[], name: string): Tensor[] {
  return bind(jitCallPrim, [...closed.consts, ...args], { jaxpr: closed.jaxpr, name });
}

function jitPartialEval(trace: PartialEvalTrace, tracers: PETracer[], p: JitCallParams): Tensor[] {
  const unknowns = tracers.map((t) => !t.pval.known);
  const split = partialEvalJaxpr(
    p.jaxpr,
    unknowns,
    p.jaxpr.outs.map(() => false),
  );
  const nKnownOuts = split.outUnknowns.filter((u) => !u).length;
  const knownOuts = bind(
    jitCallPrim,
    tracers.filter((t) => t.pval.known).map((t) => t.fullLower()),
    {
      jaxpr: split.known,
      name: p.name,
    },
  );
  const residuals = knownOuts.slice(nKnownOuts).map((r) => trace.pure(r) as PETracer);
  const params: JitCallParams = { jaxpr: split.unknown, name: `${p.name} (tangent)` };
  const operands = [...residuals, ...tracers.filter((t) => !t.pval.known)];
  const outs = trace.stage(jitCallPrim as Primitive, operands, params, split.unknown.outAvals);
  return mergeByMask<Tensor>(split.outUnknowns, knownOuts.slice(0, nKnownOuts), outs);
}

function jitPartialEvalJaxpr(eqn: Eqn, unknowns: boolean[]): PartialEvalJaxprResult {
  const p = eqn.params as JitCallParams;
  const split = partialEvalJaxpr(
    p.jaxpr,
    unknowns,
    p.jaxpr.outs.map(() => false),
  );
  const nKnownOuts = split.outUnknowns.filter((u) => !u).length;
  const residuals = split.known.outs.slice(nKnownOuts).map((a) => new Var(a.aval));
  return {
    known: [
      {
        prim: jitCallPrim as Primitive,
        inputs: eqn.inputs.filter((_, i) => !unknowns[i]),
        params: { jaxpr: split.known, name: p.name },
        outBinders: [...eqn.outBinders.filter((_, i) => !split.outUnknowns[i]), ...residuals],
      },
    ],
    unknown: {
      prim: jitCallPrim as Primitive,
      inputs: [...residuals, ...eqn.inputs.filter((_, i) => unknowns[i])],
      params: { jaxpr: split.unknown, name: `${p.name} (tangent)` },
      outBinders: eqn.outBinders.filter((_, i) => split.outUnknowns[i]),
    },
    outUnknowns: split.outUnknowns,
    residuals,
  };
}

export const jitCallPrim: Primitive<JitCallParams> = definePrimitive<JitCallParams>({
  name: 'jit_call',
  abstractEval(_, p) {
    return p.jaxpr.outAvals;
  },
  impl(inputs, p) {
    return evalJaxpr(p.jaxpr, inputs) as ConcreteTensor[];
  },
  jvp(primals, tangents, p) {
    const nz = tangents.map((t) => t !== null);
    const { jaxpr, outNonzeros } = jvpJaxpr(
      p.jaxpr,
      nz,
      p.jaxpr.outs.map(() => false),
    );
    const outs = call(
      jaxpr,
      [...primals, ...(tangents.filter((t) => t !== null) as Tensor[])],
      `jvp(${p.name})`,
    );
    const n = p.jaxpr.outs.length;
    let k = n;
    return [outs.slice(0, n), outNonzeros.map((z) => (z ? outs[k++] : null))];
  },
  transpose(cts: MaybeZero[], inputs: (Tensor | UndefPrimal)[], p) {
    const linear = inputs.map((x) => x instanceof UndefPrimal);
    const nonLinear = inputs.filter((x): x is Tensor => !(x instanceof UndefPrimal));
    const linAvals = inputs
      .filter((x): x is UndefPrimal => x instanceof UndefPrimal)
      .map((x) => x.aval);
    const outAvals = p.jaxpr.outAvals;
    const transposed = traceToJaxpr(
      (...args: Tensor[]) => {
        let k = 0;
        const bodyArgs = inputs.map((x) =>
          x instanceof UndefPrimal ? new UndefPrimal(x.aval) : args[k++],
        );
        const results = transposeJaxpr(p.jaxpr, bodyArgs, args.slice(nonLinear.length));
        return results.map((c, i) => c ?? zeros(linAvals[i].shape, linAvals[i].dtype));
      },
      [...nonLinear.map((t) => t.aval), ...outAvals],
      `transpose(${p.name})`,
    );
    const ctIn = cts.map((c, i) => c ?? zeros(outAvals[i].shape, outAvals[i].dtype));
    const res = call(transposed, [...nonLinear, ...ctIn], `transpose(${p.name})`);
    let k = 0;
    return linear.map((l) => (l ? res[k++] : null));
  },
  batch(axisSize, args, dims, p) {
    const batched = dims.map((d) => d !== null);
    const { jaxpr, outBatched } = vmapJaxpr(
      p.jaxpr,
      axisSize,
      batched,
      p.jaxpr.outs.map(() => false),
    );
    const moved = args.map((x, i) =>
      dims[i] === null ? x : moveBatchAxis(axisSize, dims[i], 0, x),
    );
    return [call(jaxpr, moved, `vmap(${p.name})`), outBatched.map((b) => (b ? 0 : null))];
  },
  higherOrder: {
    innerPrograms: (p) => [{ name: p.name, program: new ClosedJaxpr(p.jaxpr, []) }],
    partialEval: jitPartialEval,
    partialEvalJaxpr: jitPartialEvalJaxpr,
  },
});

export interface JitOptions {
  /**
   * Positional arguments that are static configuration (numbers, strings, booleans, plain
   * objects of them) rather than tensors: each distinct value gets its own trace.
   */
  staticArgnums?: readonly number[];
}

/** A jitted function: call it like the original, or inspect what it traces to. */
export interface Jitted<A extends unknown[], R> {
  (...args: A): R;
  /** The traced program for these arguments (its IR listing via toString()). */
  lower(...args: A): { closed: ClosedJaxpr; toString(): string };
  /** How many distinct input signatures have been traced. */
  readonly cacheSize: number;
}

/**
 * Traces `f` once per input signature (tree structure, shapes, dtypes, static arguments) and
 * reuses the traced program on later calls: no re-tracing and no re-derivation of derivatives.
 * Values `f` closes over are captured when it is traced: pass anything that changes between
 * calls as an argument. Composes with grad, vmap, jvp and scan.
 */
export function jit<A extends unknown[], R>(
  f: (...args: A) => R,
  options: JitOptions = {},
): Jitted<A, R> {
  const statics = options.staticArgnums ?? [];
  const cache = new Map<string, { closed: ClosedJaxpr; outTree: TreeDef }>();
  const name = f.name || 'jitted';
  const lower = (args: A) => {
    for (const i of statics) {
      if (i < 0 || i >= args.length || !Number.isInteger(i)) {
        throw new InvalidArgumentError(
          `jit: staticArgnums contains ${i}, but the function was called with ${args.length} arguments.`,
        );
      }
    }
    const dynamic = args.filter((_, i) => !statics.includes(i));
    const [leaves, inTree] = flatten<unknown>(dynamic);
    leaves.forEach((l, i) => {
      if (!(l instanceof Tensor)) {
        throw new InvalidArgumentError(
          `jit: argument leaf ${i} is ${typeof l}; jit traces tensors only. Mark static configuration with staticArgnums.`,
        );
      }
    });
    const tensors = leaves as Tensor[];
    const key = [
      inTree.key,
      tensors.map((t) => String(t.aval)).join(','),
      JSON.stringify(statics.map((i) => args[i])),
    ].join('|');
    let entry = cache.get(key);
    if (!entry) {
      let outTree: TreeDef | undefined;
      const closed = traceToJaxpr(
        (...ins: Tensor[]) => {
          const rebuilt = unflatten<unknown[]>(inTree, ins);
          let k = 0;
          const full = args.map((a, i) => (statics.includes(i) ? a : rebuilt[k++])) as A;
          const [outs, def] = flattenOutput('jit', f(...full));
          outTree = def;
          return outs;
        },
        tensors.map((t) => new ShapedArray(t.shape, t.dtype)),
        `jit(${name})`,
      );
      entry = { closed, outTree: outTree! };
      cache.set(key, entry);
    }
    return { entry, tensors };
  };
  const jitted = ((...args: A): R => {
    const { entry, tensors } = lower(args);
    return unflatten<R>(entry.outTree, call(entry.closed, tensors, name));
  }) as Jitted<A, R>;
  jitted.lower = (...args: A) => {
    const { entry } = lower(args);
    return {
      closed: entry.closed,
      toString: () => printJaxpr(entry.closed.jaxpr, entry.closed.consts.length),
    };
  };
  Object.defineProperty(jitted, 'cacheSize', { get: () => cache.size });
  return jitted;
}
