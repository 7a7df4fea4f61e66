// SPDX-License-Identifier: MIT
// jit: trace a function once per input signature into a jaxpr, cache it, and run it as a single
// `jit_call` primitive. Because `jit_call` is a higher-order primitive with a rule for every
// transformation (its jaxpr is transformed, never the Python-style function), grad(jit(f)),
// jit(grad(f)), vmap(jit(f)) and jit inside scan compose without special cases.
// Execution compiles the jaxpr to one JavaScript function (compile/) behind `impl`, so no rule
// needs to know about it.

import { type CompiledProgram, compileJaxpr } from '../compile/program.js';
import { InvalidArgumentError } from '../errors.js';
import { evalJaxpr } from '../ir/eval.js';
import { ClosedJaxpr, type Eqn, type Jaxpr, Var } from '../ir/jaxpr.js';
import { printJaxpr } from '../ir/print.js';
import { traceToJaxpr } from '../ir/staging.js';
import { moveBatchAxis } from '../prims/batching.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { zeros } from '../tensor/create.js';
import type { TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import {
  definePrimitive,
  type MaybeZero,
  type Primitive,
  UndefPrimal,
} from '../trace/primitive.js';
import { bind, currentDynamicLevel } from '../trace/trace.js';
import { flatten, leavesIfStructure, type TreeDef, unflatten } from '../tree/tree.js';
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

const compiled = new WeakMap<Jaxpr, CompiledProgram>();
const runs = new WeakMap<Jaxpr, number>();
/** Programs traced by `jit` itself, with their captured constants: compiled on first use. */
const entryPoints = new WeakMap<Jaxpr, readonly TypedArray[]>();

/**
 * The compiled form of `jaxpr`. Programs that rules derive on the fly (the jvp of a jitted
 * function inside an eager grad, say) are new objects on every call, so they are interpreted
 * once and compiled only when run again.
 */
function compiledProgram(jaxpr: Jaxpr, name: string): CompiledProgram | null {
  let program = compiled.get(jaxpr);
  if (program) return program;
  const n = (runs.get(jaxpr) ?? 0) + 1;
  runs.set(jaxpr, n);
  if (n < 2 && !entryPoints.has(jaxpr)) return null;
  try {
    program = compileJaxpr(jaxpr, name, entryPoints.get(jaxpr));
  } catch (e) {
    // A page whose Content-Security-Policy forbids generating code (no 'unsafe-eval') makes
    // `new Function` throw EvalError: jit then interprets its programs, still traced once.
    if (e instanceof EvalError) return null;
    throw e;
  }
  compiled.set(jaxpr, program);
  return program;
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
  impl(inputs, p, outs) {
    const program = compiledProgram(p.jaxpr, p.name);
    if (!program) return evalJaxpr(p.jaxpr, inputs) as ConcreteTensor[];
    const arrays = program.run(inputs.map((t) => t.buffer));
    return arrays.map((a, i) => new ConcreteTensor(a, outs[i].shape, outs[i]));
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

/** What `jit` made of a function for one input signature. */
export interface Lowered {
  /** The traced program (constants first). */
  readonly closed: ClosedJaxpr;
  /** The generated JavaScript it runs as. */
  readonly source: string;
  /** The IR listing. */
  toString(): string;
}

/** A jitted function: call it like the original, or inspect what it traces to. */
export interface Jitted<A extends unknown[], R> {
  (...args: A): R;
  /** The traced program for these arguments (its IR listing via toString()). */
  lower(...args: A): Lowered;
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
  const cache = new Map<string, Entry>();
  const name = f.name || 'jitted';
  const lower = (args: A): { entry: Entry; tensors: Tensor[] } => {
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
      entry = {
        closed,
        outTree: outTree!,
        inTree,
        inAvals: closed.inAvals,
        outAvals: closed.outAvals,
        constBuffers: closed.consts.map((c) => (c as ConcreteTensor).buffer),
      };
      entryPoints.set(closed.jaxpr, entry.constBuffers);
      cache.set(key, entry);
    }
    return { entry, tensors };
  };
  // The last signature seen: a call that matches it skips flattening and key building.
  let last: Entry | null = null;
  const run = (entry: Entry, tensors: Tensor[]): R => {
    const direct = currentDynamicLevel() === 0 && tensors.every((t) => t instanceof ConcreteTensor);
    const program = direct ? compiledProgram(entry.closed.jaxpr, `jit(${name})`) : null;
    if (program) {
      // Nothing is tracing: run the compiled program directly, without dispatch through bind.
      const ins = entry.constBuffers.concat(tensors.map((t) => (t as ConcreteTensor).buffer));
      const outs = program.run(ins);
      const avals = entry.outAvals;
      const results = outs.map((a, i) => new ConcreteTensor(a, avals[i].shape, avals[i]));
      const build = entry.outTree.builder;
      return build ? (build(results) as R) : unflatten<R>(entry.outTree, results);
    }
    return unflatten<R>(entry.outTree, call(entry.closed, tensors, name));
  };
  const jitted = ((...args: A): R => {
    if (last !== null && statics.length === 0) {
      const match = last.inTree.matcher;
      const leaves = match ? match(args) : leavesIfStructure(last.inTree, args);
      if (leaves !== null && matchesAvals(leaves, last.inAvals)) {
        return run(last, leaves as Tensor[]);
      }
    }
    const { entry, tensors } = lower(args);
    last = entry;
    return run(entry, tensors);
  }) as Jitted<A, R>;
  jitted.lower = (...args: A) => {
    const { entry } = lower(args);
    const { closed } = entry;
    return {
      closed,
      get source() {
        const program = compiledProgram(closed.jaxpr, `jit(${name})`);
        return program?.source ?? '// not compiled: this environment forbids generating code';
      },
      toString: () => printJaxpr(closed.jaxpr, closed.consts.length),
    };
  };
  Object.defineProperty(jitted, 'cacheSize', { get: () => cache.size });
  return jitted;
}

interface Entry {
  readonly closed: ClosedJaxpr;
  readonly inTree: TreeDef;
  readonly outTree: TreeDef;
  readonly inAvals: readonly ShapedArray[];
  readonly outAvals: readonly ShapedArray[];
  readonly constBuffers: readonly TypedArray[];
}

function matchesAvals(leaves: readonly unknown[], avals: readonly ShapedArray[]): boolean {
  if (leaves.length !== avals.length) return false;
  for (let i = 0; i < leaves.length; i++) {
    const t = leaves[i];
    if (!(t instanceof Tensor)) return false;
    const a = t.aval;
    const want = avals[i];
    if (a.dtype !== want.dtype || a.shape.length !== want.shape.length) return false;
    for (let d = 0; d < a.shape.length; d++) if (a.shape[d] !== want.shape[d]) return false;
  }
  return true;
}
