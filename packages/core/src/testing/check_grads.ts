// SPDX-License-Identifier: MIT
import { InvalidArgumentError, LoomError } from '../errors.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { allocate, type DType, isFloat } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { jvp, vjp } from '../transforms/api.js';
import { flatten, keyPaths, unflatten } from '../tree/tree.js';

/** A gradient that disagrees with finite differences. */
export class GradientCheckError extends LoomError {}

export interface CheckGradsOptions {
  /** Derivative order to check (2 also checks derivatives of derivatives). Default 1. */
  order?: number;
  /** Which modes: forward (jvp) and/or reverse (vjp). Default both. */
  modes?: readonly ('fwd' | 'rev')[];
  /** Finite-difference step. Default 1e-4 for float64 inputs, 1e-2 for float32. */
  eps?: number;
  rtol?: number;
  atol?: number;
  /** Seed of the random tangent and cotangent directions. */
  seed?: number;
}

const DEFAULT_TOL: Record<string, number> = { float64: 1e-5, float32: 2e-2 };

// A small deterministic generator for directions (so a failing check reproduces exactly).
function directions(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

function randomLike(x: Tensor, next: () => number): Tensor {
  const b = allocate(x.dtype, x.size);
  for (let i = 0; i < b.length; i++) b[i] = isFloat(x.dtype) ? next() : 0;
  return new ConcreteTensor(b, x.shape);
}

function zip(
  a: Tensor,
  b: Tensor,
  f: (x: number, y: number) => number,
  dtype: DType = a.dtype,
): Tensor {
  const da = a.data();
  const db = b.data();
  const out = allocate(dtype, da.length);
  for (let i = 0; i < out.length; i++) out[i] = f(da[i], db[i]);
  return new ConcreteTensor(out, a.shape);
}

function treeLeaves(tree: unknown): Tensor[] {
  return flatten<unknown>(tree)[0].filter((l): l is Tensor => l instanceof Tensor);
}

/** Σ⟨a, b⟩ over the float leaves of two trees of equal structure, in float64. */
function inner(a: unknown, b: unknown): number {
  const la = treeLeaves(a);
  const lb = treeLeaves(b);
  let s = 0;
  la.forEach((x, i) => {
    if (!isFloat(x.dtype)) return;
    const dx = x.data();
    const dy = lb[i].data();
    for (let j = 0; j < dx.length; j++) s += dx[j] * dy[j];
  });
  return s;
}

function mapTree(tree: unknown, f: (leaf: Tensor, i: number) => Tensor): unknown {
  const [ls, def] = flatten<unknown>(tree);
  let k = 0;
  return unflatten(
    def,
    ls.map((l) => (l instanceof Tensor ? f(l, k++) : l)),
  );
}

function close(a: number, b: number, rtol: number, atol: number): boolean {
  return Math.abs(a - b) <= atol + rtol * Math.max(Math.abs(a), Math.abs(b));
}

type Fn = (...args: unknown[]) => unknown;

function checkOnce(
  f: Fn,
  args: unknown[],
  opts: Required<Omit<CheckGradsOptions, 'order'>>,
  label: string,
) {
  const next = directions(opts.seed);
  const tangents = args.map((a) => mapTree(a, (l) => randomLike(l, next)));
  const shift = (sign: number) =>
    args.map((a, i) => {
      const ts = treeLeaves(tangents[i]);
      return mapTree(a, (l, k) =>
        isFloat(l.dtype) ? zip(l, ts[k], (x, t) => x + sign * opts.eps * t) : l,
      );
    });
  const plus = f(...shift(1));
  const minus = f(...shift(-1));
  const numeric = mapTree(plus, (p, i) => {
    const m = treeLeaves(minus)[i];
    return zip(p, m, (x, y) => (x - y) / (2 * opts.eps), isFloat(p.dtype) ? p.dtype : 'float64');
  });
  const paths = keyPaths(plus);
  const fail = (what: string, detail: string) =>
    new GradientCheckError(
      `checkGrads (${label}): ${what} disagrees with central finite differences (eps=${opts.eps}, ` +
        `rtol=${opts.rtol}, atol=${opts.atol}, seed=${opts.seed}): ${detail}`,
    );
  if (opts.modes.includes('fwd')) {
    const [, tangentOut] = jvp(f, args, tangents);
    const got = treeLeaves(tangentOut);
    treeLeaves(numeric).forEach((num, i) => {
      if (!isFloat(got[i].dtype)) return;
      const g = got[i].data();
      const n = num.data();
      for (let j = 0; j < n.length; j++) {
        if (!close(g[j], n[j], opts.rtol, opts.atol)) {
          throw fail(
            'forward mode (jvp)',
            `output ${paths[i]} element ${j}: jvp gives ${g[j]}, finite differences ${n[j]}.`,
          );
        }
      }
    });
  }
  if (opts.modes.includes('rev')) {
    const [out, pullback] = vjp(f, ...args);
    const cotangent = mapTree(out, (l) => randomLike(l, next));
    const cts = pullback(cotangent);
    const lhs = inner(tangents, cts);
    const rhs = inner(numeric, cotangent);
    if (!close(lhs, rhs, opts.rtol, opts.atol)) {
      throw fail(
        'reverse mode (vjp)',
        `⟨tangent, vjp(cotangent)⟩ = ${lhs} but ⟨finite-difference jvp, cotangent⟩ = ${rhs}.`,
      );
    }
  }
}

/**
 * Checks the derivatives of `f` at `args` against central finite differences along one random
 * direction, as JAX's `check_grads` does: forward mode element by element, reverse mode through
 * the identity ⟨t, vjp(c)⟩ = ⟨J t, c⟩. Use float64 inputs for tight tolerances. With `order: 2`
 * the derivatives' derivatives are checked too. Throws a `GradientCheckError` naming the mode,
 * output path, both values, step, tolerances and seed.
 */
export function checkGrads<A extends unknown[]>(
  fn: (...args: A) => unknown,
  args: readonly [...A],
  options: CheckGradsOptions = {},
): void {
  const f = fn as unknown as Fn;
  if (!Array.isArray(args)) {
    throw new InvalidArgumentError(
      `checkGrads: args must be an array of the function's arguments (e.g. [x]), got ${typeof args}.`,
    );
  }
  const { order: rawOrder = 1, modes: rawModes = ['fwd', 'rev'] } = options;
  if (!Number.isInteger(rawOrder) || rawOrder < 1) {
    throw new InvalidArgumentError(
      `checkGrads: order must be a positive integer, got ${rawOrder}.`,
    );
  }
  const badMode = rawModes.find((m) => m !== 'fwd' && m !== 'rev');
  if (badMode !== undefined) {
    throw new InvalidArgumentError(
      `checkGrads: modes may hold only 'fwd' and 'rev', got ${JSON.stringify(badMode)}.`,
    );
  }
  const leaves = args.flatMap(treeLeaves);
  if (leaves.length === 0)
    throw new InvalidArgumentError('checkGrads: no tensor arguments to check.');
  const dtype = leaves.some((l) => l.dtype === 'float32') ? 'float32' : 'float64';
  const tol = DEFAULT_TOL[dtype];
  const opts = {
    modes: options.modes ?? ['fwd', 'rev'],
    eps: options.eps ?? (dtype === 'float64' ? 1e-4 : 1e-2),
    rtol: options.rtol ?? tol,
    atol: options.atol ?? tol,
    seed: options.seed ?? 0,
  };
  const order = options.order ?? 1;
  // Iterate over orders: each level differentiates the previous level's derivative map.
  let fwdFn: Fn = f;
  let fwdArgs: unknown[] = [...args];
  let revFn: Fn = f;
  for (let k = 1; k <= order; k++) {
    if (opts.modes.includes('fwd'))
      checkOnce(fwdFn, fwdArgs, { ...opts, modes: ['fwd'] }, `order ${k}`);
    if (opts.modes.includes('rev'))
      checkOnce(revFn, [...args], { ...opts, modes: ['rev'] }, `order ${k}`);
    const prevFwd = fwdFn;
    const n = fwdArgs.length;
    fwdFn = (...a: unknown[]) => jvp(prevFwd, a.slice(0, n), a.slice(n))[1];
    fwdArgs = [...fwdArgs, ...fwdArgs];
    const prevRev = revFn;
    revFn = (...a: unknown[]) => {
      const [out, pullback] = vjp(prevRev, ...a);
      return pullback(out);
    };
  }
}
