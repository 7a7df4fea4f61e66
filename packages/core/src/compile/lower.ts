// SPDX-License-Identifier: MIT
// Lowers a jaxpr to steps: each equation goes through its primitive's lowering rule. Elementwise
// results read by one elementwise consumer of the same shape (x·x reads x twice, still one) are
// not materialised: they become expressions computed inside the consumer's loop, so a chain of
// them is one loop. A reduction's loop computes its elementwise input too.
import type { Atom, Eqn, Jaxpr, Var } from '../ir/jaxpr.js';
import { Lit } from '../ir/jaxpr.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { type Shape, sizeOf, stridesOf } from '../tensor/shape.js';
import { type Access, collapseLoops, emitLoopNest } from './loops.js';
import type { SourceWriter } from './source.js';
import { type Kernel, type KernelSpec, kernel, type Step } from './steps.js';
import {
  type ArrayValue,
  Buf,
  broadcastStrides,
  contiguous,
  type ExprValue,
  isContiguous,
  literal,
  location,
  offsetPlus,
  renderOffset,
  sameOffset,
  type Value,
} from './values.js';

/** Lowers one equation: returns the values of its outputs, pushing any code onto `steps`. */
export type LoweringRule = (lo: Lowering, eqn: Eqn, inputs: Value[], steps: Step[]) => Value[];

/**
 * Lowers a (non-elementwise) equation whose result is used once by an elementwise consumer of
 * the same shape to an expression fused into that consumer's loop, or declines with null.
 */
export type FusionRule = (
  lo: Lowering,
  eqn: Eqn,
  inputs: Value[],
  steps: Step[],
) => ExprValue | null;

/** A primitive run by its eager kernel, called from generated code (see rules/fallback.ts). */
export type FallbackFn = (arrays: (TypedArray | null)[]) => TypedArray[];

export class Lowering {
  /** Eager-kernel calls the generated code makes, by index. */
  readonly fallbacks: FallbackFn[] = [];
  /** `let` variables holding arrays made per call (fallback results, outputs). */
  readonly externals: string[] = [];
  #names = 0;

  constructor(
    readonly rules: ReadonlyMap<string, LoweringRule>,
    readonly fusionRules: ReadonlyMap<string, FusionRule>,
    /**
     * The lowering the plan is for. With `'wasm'`, fallback results become planned temps (all
     * buffers live in one linear memory) and larger products stay GEMMs instead of fusing.
     */
    readonly target: 'js' | 'wasm' = 'js',
  ) {}

  name(prefix: string): string {
    return `${prefix}${this.#names++}`;
  }

  temp(dtype: DType, shape: Shape): ArrayValue {
    return contiguous(new Buf('temp', dtype, sizeOf(shape)), shape);
  }

  external(dtype: DType, shape: Shape): ArrayValue {
    if (this.target === 'wasm') return this.temp(dtype, shape);
    const name = this.name('e');
    this.externals.push(name);
    return contiguous(new Buf('external', dtype, sizeOf(shape), name), shape);
  }

  /** Lowers `jaxpr` with its inputs bound to `inputs`; returns the values of its outputs. */
  lowerBlock(jaxpr: Jaxpr, inputs: readonly Value[], steps: Step[]): Value[] {
    const env = new Map<Var, Value>();
    jaxpr.inBinders.forEach((v, i) => {
      env.set(v, inputs[i]);
    });
    // The one equation that reads each variable (x·x reads x twice, still one reader), or null
    // when several equations or the block's outputs read it.
    const soleReader = new Map<Var, Eqn | null>();
    const count = (a: Atom, eqn: Eqn | null) => {
      if (a instanceof Lit) return;
      soleReader.set(a, soleReader.has(a) && soleReader.get(a) !== eqn ? null : eqn);
    };
    for (const eqn of jaxpr.eqns) for (const a of eqn.inputs) count(a, eqn);
    for (const a of jaxpr.outs) count(a, null);
    const read = (a: Atom): Value =>
      a instanceof Lit
        ? { kind: 'lit', value: a.value, dtype: a.aval.dtype, shape: a.aval.shape }
        : env.get(a)!;
    const usedOnce = (a: Atom) => {
      const reader = a instanceof Lit ? undefined : soleReader.get(a);
      return reader != null && countIn(reader, a) === 1;
    };
    // Whether v becomes an expression in its reader's loop: an elementwise reader of the same
    // shape, or, for an elementwise v, a reduction.
    const fusible = (v: Var, producedElementwise = true): boolean => {
      let c = soleReader.get(v);
      // A transpose or reshape in between is applied to the expression's reads instead.
      while (c && EXPR_VIEWS.has(c.prim.name)) {
        v = c.outBinders[0];
        c = soleReader.get(v);
      }
      if (!c) return false;
      if (REDUCTIONS.has(c.prim.name)) return producedElementwise;
      return (
        isElementwise(c) &&
        c.outBinders[0].aval.shape.length === v.aval.shape.length &&
        c.outBinders[0].aval.shape.every((n, d) => n === v.aval.shape[d])
      );
    };
    for (const eqn of jaxpr.eqns) {
      const ins = eqn.inputs.map(read);
      let outs: Value[];
      if (isElementwise(eqn)) {
        const accumulated =
          this.target === 'wasm' && eqn.prim.name === 'add' && !fusible(eqn.outBinders[0])
            ? accumulateProduct(this, eqn, ins, steps, usedOnce)
            : null;
        const expr = elementwiseExpr(eqn, ins);
        outs = [accumulated ?? (fusible(eqn.outBinders[0]) ? expr : this.materialize(expr, steps))];
      } else {
        const fuse = this.fusionRules.get(eqn.prim.name);
        const expr = fuse && fusible(eqn.outBinders[0], false) ? fuse(this, eqn, ins, steps) : null;
        const rule = this.rules.get(eqn.prim.name) ?? this.rules.get('*fallback')!;
        outs = expr ? [expr] : rule(this, eqn, ins, steps);
      }
      eqn.outBinders.forEach((v, i) => {
        env.set(v, outs[i]);
      });
    }
    return jaxpr.outs.map(read);
  }

  /** An array holding `v` (lits and fused expressions are computed into a fresh temp). */
  materialize(v: Value, steps: Step[]): ArrayValue {
    if (v.kind === 'array') return v;
    const out = this.temp(v.dtype, v.shape);
    steps.push(fusedKernel(v, out));
    return out;
  }

  /** An array holding `v` contiguously (strided views are copied). */
  contiguous(v: Value, steps: Step[]): ArrayValue {
    const a = this.materialize(v, steps);
    if (isContiguous(a)) return a;
    const out = this.temp(a.dtype, a.shape);
    steps.push(copyKernel(a, out));
    return out;
  }
}

const CONVERT = 'convert_element_type';

/**
 * `x + A·B` where the product was just computed for this add alone (a weight gradient summed
 * over time steps in a backward scan): one GEMM that accumulates into the sum instead of a
 * product, a temporary and an add. A product read transposed is computed transposed (Bᵀ·Aᵀ).
 * The sum may take x's buffer when x dies here, so a carry is updated in place.
 */
function accumulateProduct(
  lo: Lowering,
  eqn: Eqn,
  ins: Value[],
  steps: Step[],
  usedOnce: (a: Atom) => boolean,
): ArrayValue | null {
  const shape = eqn.outBinders[0].aval.shape;
  for (const i of [0, 1]) {
    const d = ins[i];
    const x = ins[1 - i];
    if (d.kind !== 'array' || x.kind !== 'array' || !usedOnce(eqn.inputs[i])) continue;
    // The product's kernel, in this block; it moves here (its operands are SSA values that
    // nothing between rewrites, and nothing else reads its result).
    const at = steps.findIndex(
      (st) => st.kind === 'kernel' && st.spec?.kind === 'dot' && st.spec.out.buf === d.buf,
    );
    if (at < 0) continue;
    const dot = (steps[at] as Kernel).spec as Extract<KernelSpec, { kind: 'dot' }>;
    if (d.buf.forward || d.off.c !== 0 || d.off.terms.length > 0) continue;
    if (x.dtype !== d.dtype || !isContiguous(x) || sizeOf(x.shape) !== sizeOf(shape)) continue;
    if ([dot.lhs.buf, dot.rhs.buf].some((b) => b.root() === x.buf.root())) continue;
    const p = dot.params as {
      lhsContracting: readonly number[];
      rhsContracting: readonly number[];
      lhsBatch: readonly number[];
      rhsBatch: readonly number[];
    };
    const equal = (a: readonly number[], b: readonly number[]) =>
      a.length === b.length && a.every((n, k) => n === b[k]);
    if (!equal(d.shape, shape) || !equal(x.shape, shape)) continue;
    const produced = dot.out.shape;
    const same = equal(produced, shape) && equal(d.strides, stridesOf(shape));
    const transposed =
      !same &&
      shape.length === 2 &&
      p.lhsBatch.length === 0 &&
      equal(produced, [shape[1], shape[0]]) &&
      equal(d.strides, [1, shape[0]]);
    if (!same && !transposed) continue;
    const out = lo.temp(x.dtype, shape);
    const [lhs, rhs] = transposed ? [dot.rhs, dot.lhs] : [dot.lhs, dot.rhs];
    const params = transposed
      ? {
          lhsContracting: p.rhsContracting,
          rhsContracting: p.lhsContracting,
          lhsBatch: p.rhsBatch,
          rhsBatch: p.lhsBatch,
        }
      : dot.params;
    steps.splice(at, 1);
    steps.push(
      kernel(
        [lhs, rhs, x],
        [out.buf],
        () => {
          throw new Error('an accumulating product exists only in wasm plans');
        },
        new Set([x.buf]),
        { kind: 'dot', params, lhs, rhs, out, accumulate: x },
      ),
    );
    return out;
  }
  return null;
}

/** Innermost loops up to this long are unrolled in small fused kernels. */
const UNROLL_INNER = 16;

/** Layout primitives that a fused expression can pass through (see `viewExpr`). */
const EXPR_VIEWS = new Set(['transpose', 'reshape']);

/** Reductions whose input may be a fused expression (see rules/reduce.ts). */
const REDUCTIONS = new Set(['reduce_sum', 'reduce_max', 'reduce_min']);

/** How many of `eqn`'s operands are `a`. */
const countIn = (eqn: Eqn, a: Atom) => eqn.inputs.filter((x) => x === a).length;

/**
 * Applies a layout change to a fused expression by applying it to every array it reads (each
 * first read at the expression's full shape). Null when some read cannot be re-strided.
 */
export function viewExpr(
  expr: ExprValue,
  shape: Shape,
  view: (a: ArrayValue) => ArrayValue | null,
): ExprValue | null {
  // Shared nodes stay shared: the emitters compute each node once, keyed on identity.
  const remapped = new Map<Value, Value>();
  for (const v of postOrder(expr)) {
    let r: Value | null;
    if (v.kind === 'lit') r = { ...v, shape };
    else if (v.kind === 'array')
      r = view({ ...v, shape: expr.shape, strides: broadcastStrides(v, expr.shape) });
    else r = { ...v, shape, inputs: v.inputs.map((x) => remapped.get(x)!) };
    if (!r) return null;
    remapped.set(v, r);
  }
  return remapped.get(expr) as ExprValue;
}

function isElementwise(eqn: Eqn): boolean {
  return eqn.prim.elementwiseExpr !== undefined || eqn.prim.name === CONVERT;
}

const PLACEHOLDER = /\b[xyz]\b/g;
const SLOT: Record<string, number> = { x: 0, y: 1, z: 2 };

/** Converts an element computed as a double to what storing it as `dtype` would give. */
function castTo(expr: string, dtype: DType, from: DType): string {
  switch (dtype) {
    case 'int32':
      return from === 'int32' || from === 'bool' ? expr : `(${expr}) | 0`;
    case 'bool':
      return from === 'bool' ? expr : `(${expr} !== 0 ? 1 : 0)`;
    case 'float32':
      return from === 'bool' ? expr : `Math.fround(${expr})`;
    case 'float64':
      return expr;
  }
}

function elementwiseExpr(eqn: Eqn, inputs: Value[]): ExprValue {
  const out = eqn.outBinders[0].aval;
  if (eqn.prim.name === CONVERT) {
    const from = inputs[0].dtype;
    return {
      kind: 'expr',
      shape: out.shape,
      dtype: out.dtype,
      inputs,
      op: { prim: CONVERT, params: eqn.params },
      build: ([x]) =>
        out.dtype === 'int32' && (from === 'float32' || from === 'float64')
          ? `Math.trunc(${x}) | 0`
          : castTo(x, out.dtype, from),
    };
  }
  const template = eqn.prim.elementwiseExpr!(eqn.params, out.dtype);
  const wrap = out.dtype === 'int32';
  // Every float32 operation rounds, as the eager kernels (which store each result) and the wasm
  // lowering do: a fused chain kept in double precision would not overflow, underflow or round
  // where they do (isinf(exp(400·x)) would differ).
  const round = out.dtype === 'float32';
  return {
    kind: 'expr',
    shape: out.shape,
    dtype: out.dtype,
    inputs,
    op: { prim: eqn.prim.name, params: eqn.params },
    build: (args) => {
      const e = template.replace(PLACEHOLDER, (m) => args[SLOT[m]]);
      return wrap ? `(${e}) | 0` : round ? `Math.fround(${e})` : e;
    },
  };
}

/** The nodes of an expression, each once, inputs before their users (iterative: long chains). */
export function postOrder(root: Value): Value[] {
  const order: Value[] = [];
  // A node read twice (x·x) is listed once, so a chain of squarings stays linear.
  const listed = new Set<Value>();
  const stack: { v: Value; expanded: boolean }[] = [{ v: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (listed.has(top.v)) continue;
    if (top.v.kind !== 'expr' || top.expanded) {
      order.push(top.v);
      listed.add(top.v);
      continue;
    }
    stack.push({ v: top.v, expanded: true });
    for (let i = top.v.inputs.length - 1; i >= 0; i--) {
      stack.push({ v: top.v.inputs[i], expanded: false });
    }
  }
  return order;
}

/** The arrays an expression reads, each once (an array reads itself). */
export function leavesOf(root: Value): ArrayValue[] {
  return [...new Set(postOrder(root).filter((v): v is ArrayValue => v.kind === 'array'))];
}

/**
 * Emits a `const` for each expression node of `order` (a `postOrder`) not yet in `names`, which
 * maps the leaves to the names holding their elements and gains each node's name.
 */
export function emitNodes(
  w: SourceWriter,
  order: readonly Value[],
  names: Map<Value, string>,
): void {
  for (const v of order) {
    if (v.kind === 'lit') names.set(v, `(${literal(v.value)})`);
    else if (v.kind === 'expr' && !names.has(v)) {
      const n = w.fresh('v');
      w.line(`const ${n} = ${v.build(v.inputs.map((x) => names.get(x)!))};`);
      names.set(v, n);
    }
  }
}

/** One loop nest computing a tree of fused elementwise expressions into `out`. */
export function fusedKernel(root: Value, out: ArrayValue): Kernel {
  const order = postOrder(root);
  const leaves = leavesOf(root);
  const shape = out.shape;
  const standard = stridesOf(shape);
  const leafStrides = leaves.map((l) => broadcastStrides(l, shape));
  const identity = new Set<Buf>();
  const spoiled = new Set<Buf>();
  leaves.forEach((l, i) => {
    const same =
      sizeOf(l.shape) === sizeOf(shape) &&
      l.off.c === 0 &&
      l.off.terms.length === 0 &&
      leafStrides[i].every((s, d) => shape[d] === 1 || s === standard[d]);
    (same ? identity : spoiled).add(l.buf);
  });
  for (const b of spoiled) identity.delete(b);
  return kernel(
    leaves,
    [out.buf],
    (w) => {
      const locs = [out, ...leaves].map(location);
      const { sizes, strides } = collapseLoops(shape, [out.strides, ...leafStrides]);
      // A short innermost loop of a small kernel is unrolled into lanes: reads that move only
      // along it (a row of dz in dU += h ⊗ dz) then stay fixed in the loops around and are
      // hoisted out of them.
      const exprs = order.filter((v) => v.kind === 'expr').length;
      const inner = sizes[sizes.length - 1];
      const lanes =
        sizes.length >= 2 && inner <= UNROLL_INNER && exprs <= 4 && leaves.length <= 4 ? inner : 1;
      const loopSizes = lanes > 1 ? sizes.slice(0, -1) : sizes;
      const accesses: Access[] = [];
      for (let j = 0; j < lanes; j++) {
        for (let a = 0; a < locs.length; a++) {
          const st = strides[a];
          accesses.push({
            name: locs[a].name,
            off: lanes > 1 ? offsetPlus(locs[a].off, j * st[st.length - 1]) : locs[a].off,
            strides: lanes > 1 ? st.slice(0, -1) : st,
          });
        }
      }
      const at = (j: number, a: number) => j * locs.length + a;
      const readNames = new Map<string, string>();
      const laneNames = Array.from({ length: lanes }, () => new Map<Value, string>());
      const read = (j: number, i: number, index: string[]) => {
        const acc = accesses[at(j, i + 1)];
        const key = `${i}|${acc.off.c}`;
        let n = readNames.get(key);
        if (n === undefined) {
          n = w.fresh('a');
          w.line(`const ${n} = ${acc.name}[${index[at(j, i + 1)]}];`);
          readNames.set(key, n);
        }
        laneNames[j].set(leaves[i], n);
      };
      emitLoopNest(
        w,
        loopSizes,
        accesses,
        (index) => {
          for (let j = 0; j < lanes; j++) {
            const names = laneNames[j];
            leaves.forEach((l, i) => {
              if (!names.has(l)) read(j, i, index);
            });
            emitNodes(w, order, names);
            w.line(`${accesses[at(j, 0)].name}[${index[at(j, 0)]}] = ${names.get(root)};`);
          }
        },
        // Reads that do not move in the inner loops (a broadcast bias, a matmul row) are hoisted.
        (level, index, invariantFrom) => {
          for (let j = 0; j < lanes; j++) {
            leaves.forEach((l, i) => {
              if (invariantFrom[at(j, i + 1)] === level && !laneNames[j].has(l)) read(j, i, index);
            });
          }
        },
      );
    },
    identity,
    { kind: 'fused', root, out },
  );
}

/** Copies `src` (any strides) into `dst` element by element. */
export function copyKernel(src: ArrayValue, dst: ArrayValue): Kernel {
  const identity = new Set<Buf>();
  if (sameOffset(src.off, dst.off) && src.strides.every((s, d) => s === dst.strides[d])) {
    identity.add(src.buf);
  }
  return kernel(
    [src],
    [dst.buf],
    (w) => {
      const [d, s] = [location(dst), location(src)];
      emitLoopNest(
        w,
        dst.shape,
        [
          { name: d.name, off: d.off, strides: dst.strides },
          { name: s.name, off: s.off, strides: src.strides },
        ],
        ([di, si]) => w.line(`${d.name}[${di}] = ${s.name}[${si}];`),
      );
    },
    identity,
    { kind: 'copy', src, dst },
  );
}

/** A kernel writing `src` into a region of an existing buffer (defined elsewhere). */
export function copyInto(src: Value, dst: ArrayValue): Kernel {
  const k =
    src.kind === 'array'
      ? copyKernel(src, dst)
      : src.kind === 'lit' && isContiguous(dst)
        ? fillKernel(src.value, dst)
        : fusedKernel(src, dst);
  return { ...k, writes: [], updates: [dst.buf] };
}

/** Sets a contiguous region to one value (TypedArray.fill is a memset, not a JS loop). */
function fillKernel(value: number, dst: ArrayValue): Kernel {
  return kernel(
    [],
    [dst.buf],
    (w) => {
      const d = location(dst);
      const start = renderOffset(d.off);
      const n = sizeOf(dst.shape);
      w.line(
        `${d.name}.fill(${literal(value)}, ${start}, ${start === '0' ? n : `${start} + ${n}`});`,
      );
    },
    new Set(),
    { kind: 'fill', value, dst },
  );
}
