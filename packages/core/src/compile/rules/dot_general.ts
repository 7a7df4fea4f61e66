// SPDX-License-Identifier: MIT
// dot_general specialised to its shapes: operands are read through their strides (so the
// transposes that reverse mode puts around matmuls cost nothing), small contractions are fully
// unrolled into one expression with constant offsets, and wide row-major products use the
// cache-friendly i-k-j order.

import type { Eqn } from '../../ir/jaxpr.js';
import type { DotGeneralParams } from '../../prims/dot_general.js';
import { stridesOf } from '../../tensor/shape.js';
import { collapseLoops, emitLoopNest } from '../loops.js';
import type { FusionRule, Lowering, LoweringRule } from '../lower.js';
import type { SourceWriter } from '../source.js';
import { kernel, type Step } from '../steps.js';
import { type ArrayValue, type ExprValue, location, offsetPlus, type Value } from '../values.js';

/** Contractions up to this many terms become one unrolled expression. */
const UNROLL_LIMIT = 32;
/** Rows at least this wide use the i-k-j order. */
const WIDE = 32;
/** Output columns accumulated together in locals by the blocked order. */
const BLOCK = 8;

function offsetBy(base: string, c: number): string {
  if (c === 0) return base;
  return base === '0' ? String(c) : `${base} + ${c}`;
}

interface Axis {
  size: number;
  lhs: number;
  rhs: number;
  out: number;
}

const free = (rank: number, ...used: (readonly number[])[]) =>
  Array.from({ length: rank }, (_, i) => i).filter((i) => !used.some((u) => u.includes(i)));

function plus(base: string, index: string, stride: number): string {
  if (stride === 0) return base;
  const t = stride === 1 ? index : `${index} * ${stride}`;
  return base === '0' ? t : `${base} + ${t}`;
}

function emitContraction(
  w: SourceWriter,
  k: Axis[],
  names: { l: string; r: string },
  li: string,
  ri: string,
): string {
  const total = k.reduce((n, a) => n * a.size, 1);
  if (total === 0) return '0';
  if (total <= UNROLL_LIMIT) {
    const at = (base: string, c: number) => (c === 0 ? base : base === '0' ? c : `${base} + ${c}`);
    return contractionTerms(k)
      .map(([lc, rc]) => `${names.l}[${at(li, lc)}] * ${names.r}[${at(ri, rc)}]`)
      .join(' + ');
  }
  const acc = w.fresh('acc');
  w.line(`let ${acc} = 0;`);
  emitLoopNest(
    w,
    k.map((a) => a.size),
    [
      { name: names.l, off: { c: 0, terms: [li] }, strides: k.map((a) => a.lhs) },
      { name: names.r, off: { c: 0, terms: [ri] }, strides: k.map((a) => a.rhs) },
    ],
    ([l, r]) => w.line(`${acc} += ${names.l}[${l}] * ${names.r}[${r}];`),
  );
  return acc;
}

interface Axes {
  batch: Axis[];
  m: Axis[];
  n: Axis[];
  /** Contracting axes, merged where both operands walk them contiguously. */
  k: Axis[];
}

function dotAxes(
  p: DotGeneralParams,
  lhs: ArrayValue,
  rhs: ArrayValue,
  outStrides: readonly number[],
): Axes {
  const axes: { batch: Axis[]; m: Axis[]; n: Axis[]; k: Axis[] } = {
    batch: [],
    m: [],
    n: [],
    k: [],
  };
  let o = 0;
  p.lhsBatch.forEach((a, i) => {
    const b = p.rhsBatch[i];
    axes.batch.push({ size: lhs.shape[a], lhs: lhs.strides[a], rhs: rhs.strides[b], out: o++ });
  });
  for (const a of free(lhs.shape.length, p.lhsContracting, p.lhsBatch)) {
    axes.m.push({ size: lhs.shape[a], lhs: lhs.strides[a], rhs: 0, out: o++ });
  }
  for (const a of free(rhs.shape.length, p.rhsContracting, p.rhsBatch)) {
    axes.n.push({ size: rhs.shape[a], lhs: 0, rhs: rhs.strides[a], out: o++ });
  }
  p.lhsContracting.forEach((a, i) => {
    const b = p.rhsContracting[i];
    axes.k.push({ size: lhs.shape[a], lhs: lhs.strides[a], rhs: rhs.strides[b], out: -1 });
  });
  for (const ax of [...axes.batch, ...axes.m, ...axes.n]) ax.out = outStrides[ax.out];
  const kCollapsed = collapseLoops(
    axes.k.map((a) => a.size),
    [axes.k.map((a) => a.lhs), axes.k.map((a) => a.rhs)],
  );
  axes.k = kCollapsed.sizes.map((size, i) => ({
    size,
    lhs: kCollapsed.strides[0][i],
    rhs: kCollapsed.strides[1][i],
    out: 0,
  }));
  return axes;
}

/** Constant (lhs, rhs) offsets of every term of the contraction, in order. */
function contractionTerms(k: readonly Axis[]): [number, number][] {
  const total = k.reduce((n, a) => n * a.size, 1);
  const terms: [number, number][] = [];
  const idx = k.map(() => 0);
  for (let t = 0; t < total; t++) {
    terms.push([
      idx.reduce((s, i, d) => s + i * k[d].lhs, 0),
      idx.reduce((s, i, d) => s + i * k[d].rhs, 0),
    ]);
    for (let d = k.length - 1; d >= 0; d--) {
      if (++idx[d] < k[d].size) break;
      idx[d] = 0;
    }
  }
  return terms;
}

/**
 * Loops over the contraction axes from row bases `li` / `ri`; `body` gets the left operand's
 * element (read into a local) and the right operand's index.
 */
function walkContraction(
  w: SourceWriter,
  k: readonly Axis[],
  lhs: string,
  rhs: string,
  li: string,
  ri: string,
  body: (av: string, rk: string) => void,
): void {
  emitLoopNest(
    w,
    k.map((a) => a.size),
    [
      { name: lhs, off: { c: 0, terms: [li] }, strides: k.map((a) => a.lhs) },
      { name: rhs, off: { c: 0, terms: [ri] }, strides: k.map((a) => a.rhs) },
    ],
    ([lk, rk]) => {
      const av = w.fresh('av');
      w.line(`const ${av} = ${lhs}[${lk}];`);
      body(av, rk);
    },
  );
}

/** Contractions of at most this many terms are fused into an elementwise consumer. */
const FUSE_LIMIT = 16;

/**
 * For the wasm lowering, products with more multiply-adds than this stay products (a GEMM's
 * register tiles beat one expression per output element) whatever their contraction length.
 */
const WASM_EXPRESSION_MACS = 4096;

/**
 * A small contraction consumed by an elementwise op (bias add, activation, gradient
 * accumulation) becomes part of that op's loop: each term reads both operands through strides
 * over the output's index space, so the product is never stored.
 */
export const dotGeneralFusion: FusionRule = (lo, eqn, ins, steps) =>
  dotExpression(lo, eqn, ins, steps, FUSE_LIMIT);

function dotExpression(
  lo: Lowering,
  eqn: Eqn,
  [l0, r0]: Value[],
  steps: Step[],
  limit: number,
): ExprValue | null {
  const p = eqn.params as DotGeneralParams;
  const outAval = eqn.outBinders[0].aval;
  if (outAval.dtype === 'int32') return null;
  const lhs = lo.materialize(l0, steps);
  const rhs = lo.materialize(r0, steps);
  const axes = dotAxes(p, lhs, rhs, stridesOf(outAval.shape));
  const terms = contractionTerms(axes.k);
  if (terms.length === 0 || terms.length > limit) return null;
  if (lo.target === 'wasm' && terms.length * outAval.size > WASM_EXPRESSION_MACS) return null;
  const outAxes = [...axes.batch, ...axes.m, ...axes.n];
  const view = (v: ArrayValue, side: 'lhs' | 'rhs', c: number): ArrayValue => ({
    ...v,
    off: offsetPlus(v.off, c),
    shape: outAval.shape,
    strides: outAxes.map((a) => a[side]),
  });
  const inputs = terms.flatMap(([lc, rc]) => [view(lhs, 'lhs', lc), view(rhs, 'rhs', rc)]);
  return {
    kind: 'expr',
    shape: outAval.shape,
    dtype: outAval.dtype,
    inputs,
    op: { prim: 'dot_terms', params: {} },
    build: (args) => {
      const products: string[] = [];
      for (let i = 0; i < args.length; i += 2) products.push(`${args[i]} * ${args[i + 1]}`);
      return `(${products.join(' + ')})`;
    },
  };
}

export const dotGeneralRule: LoweringRule = (lo, eqn, ins, steps) => {
  // Small contractions: one fused loop over the output, with hoisted operand reads.
  const small = dotExpression(lo, eqn, ins, steps, UNROLL_LIMIT);
  if (small) return [lo.materialize(small, steps)];
  const [l0, r0] = ins;
  const p = eqn.params as DotGeneralParams;
  let lhs = lo.materialize(l0, steps);
  let rhs = lo.materialize(r0, steps);
  const outAval = eqn.outBinders[0].aval;
  const out = lo.temp(outAval.dtype, outAval.shape);
  if (lo.target === 'wasm') {
    // An operand view whose axes of one role (batch, free or contracting) cannot merge into one
    // strided dimension (a batch-major [B, T, H] view of a time-major stack) has no GEMM form,
    // so the product would run as loops: copy it once and run the GEMM on the copy.
    const probe = dotAxes(p, lhs, rhs, out.strides);
    if (rolesSplit(probe, 'lhs')) lhs = lo.contiguous(lhs, steps);
    if (rolesSplit(probe, 'rhs')) rhs = lo.contiguous(rhs, steps);
  }
  const axes = dotAxes(p, lhs, rhs, out.strides);
  const k = axes.k;
  const kTotal = k.reduce((n, a) => n * a.size, 1);
  const lastN = axes.n[axes.n.length - 1];
  const wide =
    axes.n.length === 1 &&
    lastN.size >= WIDE &&
    lastN.rhs === 1 &&
    lastN.out === 1 &&
    kTotal > UNROLL_LIMIT;
  // Long contractions into narrow rows (weight gradients summed over a batch) keep a block of
  // the output row in local accumulators while walking the contraction once per block.
  const blocked = !wide && axes.n.length === 1 && lastN.size <= 64 && kTotal > UNROLL_LIMIT;
  const outer =
    wide || blocked ? [...axes.batch, ...axes.m] : [...axes.batch, ...axes.m, ...axes.n];
  steps.push(
    kernel(
      [lhs, rhs],
      [out.buf],
      (w) => {
        const [O, L, R] = [out, lhs, rhs].map(location);
        emitLoopNest(
          w,
          outer.map((a) => a.size),
          [
            { name: O.name, off: O.off, strides: outer.map((a) => a.out) },
            { name: L.name, off: L.off, strides: outer.map((a) => a.lhs) },
            { name: R.name, off: R.off, strides: outer.map((a) => a.rhs) },
          ],
          ([oi, li, ri]) => {
            if (blocked) {
              for (let j0 = 0; j0 < lastN.size; j0 += BLOCK) {
                const cols = Array.from(
                  { length: Math.min(BLOCK, lastN.size - j0) },
                  (_, q) => j0 + q,
                );
                const acc = cols.map(() => w.fresh('c'));
                w.line(`let ${acc.map((c) => `${c} = 0`).join(', ')};`);
                walkContraction(w, k, L.name, R.name, li, ri, (av, rk) => {
                  cols.forEach((j, q) => {
                    w.line(`${acc[q]} += ${av} * ${R.name}[${offsetBy(rk, j * lastN.rhs)}];`);
                  });
                });
                cols.forEach((j, q) => {
                  w.line(`${O.name}[${offsetBy(oi, j * lastN.out)}] = ${acc[q]};`);
                });
              }
              return;
            }
            if (!wide) {
              const sum = emitContraction(w, k, { l: L.name, r: R.name }, li, ri);
              w.line(`${O.name}[${oi}] = ${sum};`);
              return;
            }
            const n = lastN.size;
            const j = w.fresh('j');
            w.line(`${O.name}.fill(0, ${oi}, ${oi} + ${n});`);
            walkContraction(w, k, L.name, R.name, li, ri, (av, rk) => {
              w.block(`for (let ${j} = 0; ${j} < ${n}; ${j}++)`, () => {
                w.line(`${O.name}[${plus(oi, j, 1)}] += ${av} * ${R.name}[${plus(rk, j, 1)}];`);
              });
            });
          },
        );
      },
      new Set(),
      { kind: 'dot', params: p, lhs, rhs, out },
    ),
  );
  return [out];
};

/** Whether `side`'s axes of some role span more than one strided dimension. */
function rolesSplit(axes: ReturnType<typeof dotAxes>, side: 'lhs' | 'rhs'): boolean {
  const roles = side === 'lhs' ? [axes.batch, axes.m, axes.k] : [axes.batch, axes.n, axes.k];
  return roles.some(
    (role) =>
      collapseLoops(
        role.map((a) => a.size),
        [role.map((a) => a[side])],
      ).sizes.length > 1,
  );
}
