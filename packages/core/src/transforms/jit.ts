// SPDX-License-Identifier: MIT
// jit: trace a function once per input signature into a jaxpr, cache it, and run it as a single
// `jit_call` primitive. Because `jit_call` is a higher-order primitive with a rule for every
// transformation (its jaxpr is transformed, never the Python-style function), grad(jit(f)),
// jit(grad(f)), vmap(jit(f)) and jit inside scan compose without special cases.
// Execution compiles the jaxpr to one JavaScript function (compile/) behind `impl`, so no rule
// needs to know about it.

import { BACKENDS, type Backend, type CompiledProgram, compileJaxpr } from '../compile/program.js';
import { chooseBackend } from '../compile/wasm/choose.js';
import { debugFlags } from '../debug/config.js';
import { allFinite } from '../debug/nans.js';
import { FloatingPointError, InvalidArgumentError } from '../errors.js';
import { evalJaxpr } from '../ir/eval.js';
import { ClosedJaxpr, type Eqn, type Jaxpr, Var } from '../ir/jaxpr.js';
import { printJaxpr } from '../ir/print.js';
import { traceToJaxpr } from '../ir/staging.js';
import { checkOptionKeys } from '../options.js';
import { moveBatchAxis } from '../prims/batching.js';
import { canGenerateCode } from '../runtime/codegen.js';
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
import { SignatureCache } from './lru_cache.js';
import type { PartialEvalTrace, PETracer } from './partial_eval.js';
import { RetraceMonitor, type Signature } from './retrace_monitor.js';
import { staticKey } from './static_key.js';
import { transposeJaxpr } from './transpose.js';
import { vmapJaxpr } from './vmap.js';

export interface JitCallParams {
  readonly [key: string]: unknown;
  readonly jaxpr: Jaxpr;
  /** The jitted function's name, for IR listings. */
  readonly name: string;
  /** Which lowering compiles the program (`jit`'s `backend` option). */
  readonly backend: Backend;
}

/** A program compiled for one backend, or why it could not be (code generation forbidden). */
type Compilation = CompiledProgram | { readonly forbidden: string };

const compiled = new WeakMap<Jaxpr, Map<Backend, Compilation>>();
const runs = new WeakMap<Jaxpr, number>();
/** Programs traced by `jit` itself, with their captured constants: compiled on first use. */
const entryPoints = new WeakMap<Jaxpr, readonly TypedArray[]>();

/** The compilation of `jaxpr` for `backend`, compiling it if this is an entry point or a rerun. */
function compilation(jaxpr: Jaxpr, name: string, backend: Backend): Compilation | null {
  let byBackend = compiled.get(jaxpr);
  const known = byBackend?.get(backend);
  if (known) return known;
  const n = (runs.get(jaxpr) ?? 0) + 1;
  runs.set(jaxpr, n);
  if (n < 2 && !entryPoints.has(jaxpr)) return null;
  let result: Compilation;
  const choice = chooseBackend(jaxpr, backend);
  if (choice.backend === 'js' && !canGenerateCode()) {
    // Known in advance: skip the attempt, which would log a CSP violation in a browser.
    result = { forbidden: interpreted('new Function is refused', choice.reason) };
  } else {
    try {
      result = compileJaxpr(jaxpr, name, entryPoints.get(jaxpr), { backend });
    } catch (e) {
      // A page whose Content-Security-Policy forbids generating code (no 'unsafe-eval') makes
      // `new Function` throw EvalError: jit then interprets its programs, still traced once.
      if (!(e instanceof EvalError)) throw e;
      result = { forbidden: interpreted(`EvalError: ${e.message}`, choice.reason) };
    }
  }
  if (!byBackend) {
    byBackend = new Map();
    compiled.set(jaxpr, byBackend);
  }
  byBackend.set(backend, result);
  return result;
}

/** `lower().backendReason` when a program is interpreted: why neither lowering can run. */
function interpreted(evalRefusal: string, choiceReason: string): string {
  return (
    `interpreter: this environment forbids generating code (${evalRefusal}), as a ` +
    `Content-Security-Policy without 'unsafe-eval' does; the backend choice gave ${choiceReason}`
  );
}

/**
 * The compiled form of `jaxpr`. Programs that rules derive on the fly (the jvp of a jitted
 * function inside an eager grad, say) are new objects on every call, so they are interpreted
 * once and compiled only when run again.
 */
function compiledProgram(jaxpr: Jaxpr, name: string, backend: Backend): CompiledProgram | null {
  const c = compilation(jaxpr, name, backend);
  return c === null || 'forbidden' in c ? null : c;
}

/**
 * Debug mode (config 'debugNans'): when a compiled program turned finite inputs into NaN or
 * ±Infinity, runs it again interpreted, one eager primitive at a time, so the primitive that
 * made the bad value raises FloatingPointError; names the program if none does.
 */
function findNonFinite(
  jaxpr: Jaxpr,
  name: string,
  inputs: readonly ConcreteTensor[],
  outs: readonly ConcreteTensor[],
): void {
  if (allFinite(outs) || !allFinite(inputs)) return;
  let interpreted: Tensor[];
  try {
    interpreted = evalJaxpr(jaxpr, inputs);
  } catch (e) {
    if (!(e instanceof FloatingPointError)) throw e;
    throw new FloatingPointError(
      `${e.message} (Found by running the compiled program ${name} again, interpreted: its ` +
        'outputs were not finite.)',
    );
  }
  const shapes = outs.map((o) => String(o.aval)).join(', ');
  if (!allFinite(interpreted as ConcreteTensor[])) {
    // No primitive turned finite values into bad ones: a NaN or Infinity the program holds as a
    // constant reached the outputs (an out-of-range index or label marks its row NaN so).
    throw new FloatingPointError(
      `debugNans: the compiled program ${name} produced NaN or Infinity from finite inputs ` +
        `(outputs ${shapes}) through a NaN or Infinity constant in the program, not a ` +
        'computation: under jit an out-of-range index or label (take, oneHot, embedding, ' +
        'sparseSoftmaxCrossEntropy) yields NaN rows; call the function eagerly to get an ' +
        'IndexError naming the bad value.',
    );
  }
  throw new FloatingPointError(
    `debugNans: the compiled program ${name} produced NaN or Infinity from finite inputs ` +
      `(outputs ${shapes}), but running it interpreted gave finite values: the compiled code ` +
      'and the eager kernels disagree. Please report this with the program (jitted.lower(...)).',
  );
}

function call(closed: ClosedJaxpr, args: Tensor[], name: string, backend: Backend): Tensor[] {
  return bind(jitCallPrim, [...closed.consts, ...args], { jaxpr: closed.jaxpr, name, backend });
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
    { jaxpr: split.known, name: p.name, backend: p.backend },
  );
  const residuals = knownOuts.slice(nKnownOuts).map((r) => trace.pure(r) as PETracer);
  const params: JitCallParams = {
    jaxpr: split.unknown,
    name: `${p.name} (tangent)`,
    backend: p.backend,
  };
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
        params: { jaxpr: split.known, name: p.name, backend: p.backend },
        outBinders: [...eqn.outBinders.filter((_, i) => !split.outUnknowns[i]), ...residuals],
      },
    ],
    unknown: {
      prim: jitCallPrim as Primitive,
      inputs: [...residuals, ...eqn.inputs.filter((_, i) => unknowns[i])],
      params: { jaxpr: split.unknown, name: `${p.name} (tangent)`, backend: p.backend },
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
    const program = compiledProgram(p.jaxpr, p.name, p.backend);
    if (!program) return evalJaxpr(p.jaxpr, inputs) as ConcreteTensor[];
    const arrays = program.run(inputs.map((t) => t.buffer));
    const results = arrays.map((a, i) => new ConcreteTensor(a, outs[i].shape, outs[i]));
    if (debugFlags.checkValues) findNonFinite(p.jaxpr, p.name, inputs, results);
    return results;
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
      p.backend,
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
    const res = call(transposed, [...nonLinear, ...ctIn], `transpose(${p.name})`, p.backend);
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
    const outs = call(jaxpr, moved, `vmap(${p.name})`, p.backend);
    return [outs, outBatched.map((b) => (b ? 0 : null))];
  },
  higherOrder: {
    innerPrograms: (p) => [{ name: p.name, program: new ClosedJaxpr(p.jaxpr, []) }],
    partialEval: jitPartialEval,
    partialEvalJaxpr: jitPartialEvalJaxpr,
  },
});

export interface JitOptions {
  /**
   * Positional arguments that are static configuration rather than tensors: each distinct value
   * gets its own trace. How values are told apart (the cache key): numbers by `Object.is` (NaN is
   * one value, -0 differs from 0, ±Infinity are distinct); strings, booleans, bigints, null and
   * undefined exactly; functions and class instances (anything not a plain object or array) by
   * identity, so two different functions never share a program and the same function object
   * always does; arrays and plain objects structurally, keys sorted, at any depth. A Tensor, a
   * symbol or a cyclic structure cannot be a static argument (InvalidArgumentError naming its
   * position).
   */
  staticArgnums?: readonly number[];
  /**
   * How many input signatures keep their traced program (least recently used dropped first);
   * default 64. A dropped signature is traced again when it comes back.
   */
  maxCacheSize?: number;
  /**
   * After this many traces of one jitted function (default 20), `console.warn` once, naming the
   * function and what changed between its signatures (shapes, dtypes, tree, static arguments).
   * `Infinity` silences it.
   */
  retraceWarningThreshold?: number;
  /**
   * Which code generator compiles the program: `'auto'` (default) is WebAssembly SIMD wherever
   * it can run and JavaScript elsewhere; `'wasm'` and `'js'` force one. `jitted.lower(...)`
   * reports the one used and why (`backend`, `backendReason`).
   */
  backend?: Backend;
}

/** Default of `JitOptions.maxCacheSize`. */
export const DEFAULT_JIT_CACHE_SIZE = 64;
/** Default of `JitOptions.retraceWarningThreshold`. */
export const DEFAULT_RETRACE_WARNING_THRESHOLD = 20;

const JIT_OPTION_KEYS = ['staticArgnums', 'maxCacheSize', 'retraceWarningThreshold', 'backend'];

/** What `jit` made of a function for one input signature. */
export interface Lowered {
  /** The traced program (constants first). */
  readonly closed: ClosedJaxpr;
  /** The generated JavaScript it runs as. */
  readonly source: string;
  /**
   * The code generator that runs it; `'interpreter'` when this environment forbids generating
   * code (a Content-Security-Policy without 'unsafe-eval'), so the program is interpreted.
   */
  readonly backend: 'js' | 'wasm' | 'interpreter';
  /** Why that backend runs it (or why the requested one could not). */
  readonly backendReason: string;
  /** The IR listing. */
  toString(): string;
}

/** A jitted function: call it like the original, or inspect what it traces to. */
export interface Jitted<A extends unknown[], R> {
  (...args: A): R;
  /** The traced program for these arguments (its IR listing via toString()). */
  lower(...args: A): Lowered;
  /** How many input signatures the cache holds now (at most `maxCacheSize`). */
  readonly cacheSize: number;
  /** How many times the function has been traced (each cache miss traces it again). */
  readonly traceCount: number;
}

function checkJitOptions(options: JitOptions): void {
  checkOptionKeys('jit', options, JIT_OPTION_KEYS);
  const { backend, maxCacheSize, retraceWarningThreshold, staticArgnums } = options;
  if (backend !== undefined && !BACKENDS.includes(backend)) {
    throw new InvalidArgumentError(
      `jit: unknown backend '${String(backend)}'; the backends are ${BACKENDS.map((b) => `'${b}'`).join(', ')}.`,
    );
  }
  const positiveCount = (v: number | undefined) =>
    v === undefined || v === Number.POSITIVE_INFINITY || (Number.isInteger(v) && v >= 1);
  if (!positiveCount(maxCacheSize)) {
    throw new InvalidArgumentError(
      `jit: maxCacheSize must be a positive integer or Infinity, got ${maxCacheSize}.`,
    );
  }
  if (!positiveCount(retraceWarningThreshold)) {
    throw new InvalidArgumentError(
      `jit: retraceWarningThreshold must be a positive integer or Infinity, got ${retraceWarningThreshold}.`,
    );
  }
  if (staticArgnums !== undefined && !Array.isArray(staticArgnums)) {
    throw new InvalidArgumentError(
      `jit: staticArgnums must be an array of argument positions, got ${typeof staticArgnums}.`,
    );
  }
}

/**
 * Traces `f` once per input signature (tree structure, shapes, dtypes, static arguments) and
 * reuses the traced program on later calls: no re-tracing and no re-derivation of derivatives.
 * Values `f` closes over are captured when it is traced: pass anything that changes between
 * calls as an argument. The cache keeps the `maxCacheSize` most recently used signatures, and a
 * function traced more than `retraceWarningThreshold` times warns once. Composes with grad,
 * vmap, jvp and scan.
 * @example
 * const step = jit((w: Tensor, x: Tensor) => tanh(x.matmul(w)).sum());
 * const w = random.normal(random.key(0), [3, 2]);
 * step(w, random.normal(random.key(1), [4, 3])); // traced and compiled once
 * step(w, random.normal(random.key(2), [4, 3])); // same signature: runs the compiled program
 * step.lower(w, random.normal(random.key(1), [4, 3])).backend; // 'wasm' or 'js'
 */
export function jit<A extends unknown[], R>(
  f: (...args: A) => R,
  options: JitOptions = {},
): Jitted<A, R> {
  checkJitOptions(options);
  const statics = options.staticArgnums ?? [];
  const backend = options.backend ?? 'auto';
  const cache = new SignatureCache<Entry>(options.maxCacheSize ?? DEFAULT_JIT_CACHE_SIZE);
  const name = f.name || 'jitted';
  const monitor = new RetraceMonitor(
    name,
    options.retraceWarningThreshold ?? DEFAULT_RETRACE_WARNING_THRESHOLD,
    cache.capacity,
  );
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
    const signature: Signature = {
      tree: inTree.key,
      avals: tensors.map((t) => String(t.aval)).join(','),
      statics: statics.map((i) => ({ position: i, key: staticKey(args[i], i) })),
    };
    const key = [
      signature.tree,
      signature.avals,
      ...signature.statics.map((s) => `${s.position}=${s.key}`),
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
      // Constants are fixed (and may be folded into the code) only when they are concrete: a jit
      // traced inside a scan body or a transformation captures tracers, whose values change.
      if (closed.consts.every((c) => c instanceof ConcreteTensor)) {
        entryPoints.set(closed.jaxpr, entry.constBuffers);
      }
      cache.set(key, entry);
      monitor.record(signature, cache.evictions);
    }
    return { entry, tensors };
  };
  // The last signature seen: a call that matches it skips flattening and key building.
  let last: Entry | null = null;
  const run = (entry: Entry, tensors: Tensor[]): R => {
    const direct = currentDynamicLevel() === 0 && tensors.every((t) => t instanceof ConcreteTensor);
    const program = direct ? compiledProgram(entry.closed.jaxpr, `jit(${name})`, backend) : null;
    if (program) {
      // Nothing is tracing: run the compiled program directly, without dispatch through bind.
      const ins = entry.constBuffers.concat(tensors.map((t) => (t as ConcreteTensor).buffer));
      const outs = program.run(ins);
      const avals = entry.outAvals;
      const results = outs.map((a, i) => new ConcreteTensor(a, avals[i].shape, avals[i]));
      if (debugFlags.checkValues) {
        const inputs = [...entry.closed.consts, ...tensors] as ConcreteTensor[];
        findNonFinite(entry.closed.jaxpr, `jit(${name})`, inputs, results);
      }
      const build = entry.outTree.builder;
      return build ? (build(results) as R) : unflatten<R>(entry.outTree, results);
    }
    return unflatten<R>(entry.outTree, call(entry.closed, tensors, name, backend));
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
  jitted.lower = (...args: A): Lowered => {
    const { entry } = lower(args);
    const { closed } = entry;
    const compile = () => compilation(closed.jaxpr, `jit(${name})`, backend);
    return {
      closed,
      get source() {
        const c = compile();
        return c && 'source' in c ? c.source : `// not compiled: ${c?.forbidden ?? 'unknown'}`;
      },
      get backend() {
        const c = compile();
        return c && 'backend' in c ? c.backend : 'interpreter';
      },
      get backendReason() {
        const c = compile();
        return c && 'reason' in c ? c.reason : (c?.forbidden ?? 'not compiled');
      },
      toString: () => printJaxpr(closed.jaxpr, closed.consts.length),
    };
  };
  Object.defineProperty(jitted, 'cacheSize', { get: () => cache.size });
  Object.defineProperty(jitted, 'traceCount', { get: () => monitor.traces });
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
