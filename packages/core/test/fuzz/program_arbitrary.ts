// Random programs for the fuzzer. fast-check generates a *genome* (plain integers and nested gene
// lists); `resolve` turns it deterministically into a well-typed Program by reading each gene
// against the shapes in scope: the operand is the a-th most recent value, the op is one that is
// valid for its shape, and so on. Every genome resolves to a valid program, so fast-check can
// shrink genomes freely (drop genes, lower integers) and a failure shrinks to a short program.
import { fc } from '@fast-check/vitest';
import { shapeArb, sizeOf } from '../arbitraries.js';
import {
  type AxisOp,
  BINARY_OPS,
  type Block,
  COMPARISONS,
  type FloatDtype,
  LOGICAL_OPS,
  type Pair,
  PREDICATES,
  type Program,
  printProgram,
  type ReduceOp,
  type Start,
  type Stmt,
  UNARY_OPS,
  type UnaryOp,
} from './program.js';
import {
  binaryBound,
  broadcastOrNull,
  matmulShape,
  mix,
  permutation,
  SMOOTH_BINARY,
  SMOOTH_UNARY,
  sameShape,
  unaryBound,
} from './resolve_helpers.js';

export interface Gene {
  op: number;
  a: number;
  b: number;
  c: number;
  /** Body (or true branch) of a control-flow gene. */
  body: Gene[];
  /** False branch of a cond gene. */
  alt: Gene[];
}

export interface ProgramOptions {
  dtype: FloatDtype;
  /** Only ops that are differentiable (no kinks, no stop_gradient, no rounding) near samples. */
  smooth: boolean;
  /** Allow whileLoop (reverse mode rejects it by design, so gradient checks turn it off). */
  allowWhile: boolean;
}

/** Largest element count of any value (keeps programs fast). */
const MAX_SIZE = 48;
/** Largest |value| a statement may reach; beyond it the generator squashes with tanh instead. */
const LIMIT = 1e3;
/** Statements per program, nested bodies included. */
const BUDGET = 50;
const DEPTH = 2;

const geneArb = (depth: number): fc.Arbitrary<Gene> => {
  const nested = depth > 0 ? genesArb(depth - 1, 4) : fc.constant([] as Gene[]);
  return fc.record({
    op: fc.nat(9999),
    a: fc.nat(99),
    b: fc.nat(99),
    c: fc.nat(9999),
    body: nested,
    alt: nested,
  });
};

const genesArb = (depth: number, maxLength: number): fc.Arbitrary<Gene[]> =>
  fc.array(geneArb(depth), { maxLength });

export interface Genome {
  inputs: number[][];
  genes: Gene[];
  output: number;
  dataSeed: number;
}

export const genomeArb: fc.Arbitrary<Genome> = fc.record({
  inputs: fc.array(shapeArb({ maxRank: 3, maxDim: 3 }), { minLength: 1, maxLength: 3 }),
  genes: genesArb(DEPTH, 10),
  output: fc.nat(99),
  dataSeed: fc.nat(1e6),
});

/** Programs as fast-check values that print as readable pseudo-code. */
export const programArb = (options: ProgramOptions): fc.Arbitrary<Program> =>
  genomeArb.map((g) => {
    const p = resolve(g, options);
    return Object.assign(p, { [fc.toStringMethod]: () => `\n${printProgram(p)}\n` });
  });

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

class Context {
  readonly shapes: number[][] = [];
  readonly bounds: number[] = [];
  budget = BUDGET;
  hasWhile = false;
  constructor(readonly options: ProgramOptions) {}
  fresh(shape: number[], bound: number): number {
    this.shapes.push(shape);
    this.bounds.push(bound);
    return this.shapes.length - 1;
  }
}

type Kind =
  | 'unary'
  | 'binary'
  | 'integerPow'
  | 'reduce'
  | 'axis'
  | 'matmul'
  | 'dotGeneral'
  | 'reshape'
  | 'transpose'
  | 'slice'
  | 'concat'
  | 'broadcast'
  | 'where'
  | 'take'
  | 'scatterAdd'
  | 'iotaAdd'
  | 'constant'
  | 'flip'
  | 'dynamicSlice'
  | 'dynamicUpdateSlice'
  | 'predicate'
  | 'logical'
  | 'scan'
  | 'cond'
  | 'while'
  | 'fori'
  | 'checkpoint'
  | 'jit'
  | 'vmap'
  | 'switch';

/** Kinds with weights; op 0 (what shrinking aims at) is a unary op. */
const KINDS: [Kind, number][] = [
  ['unary', 6],
  ['binary', 6],
  ['integerPow', 1],
  ['reduce', 2],
  ['axis', 1],
  ['matmul', 2],
  ['dotGeneral', 1],
  ['reshape', 1],
  ['transpose', 1],
  ['slice', 1],
  ['concat', 1],
  ['broadcast', 1],
  ['where', 1],
  ['take', 1],
  ['scatterAdd', 1],
  ['iotaAdd', 1],
  ['constant', 1],
  ['scan', 2],
  ['cond', 1],
  ['while', 1],
  ['fori', 1],
  ['checkpoint', 1],
  ['jit', 1],
  ['vmap', 1],
  ['flip', 1],
  ['dynamicSlice', 1],
  ['dynamicUpdateSlice', 1],
  ['predicate', 1],
  ['logical', 1],
  ['switch', 1],
];
const TOTAL_WEIGHT = KINDS.reduce((s, [, w]) => s + w, 0);
const CONTROL = new Set<Kind>([
  'scan',
  'cond',
  'while',
  'fori',
  'checkpoint',
  'jit',
  'vmap',
  'switch',
]);

function kindOf(op: number): Kind {
  let r = op % TOTAL_WEIGHT;
  for (const [k, w] of KINDS) {
    if (r < w) return k;
    r -= w;
  }
  return 'unary';
}

/** Resolves the statements of one block; `env` lists the ids in scope, most recent last. */
class BlockBuilder {
  readonly stmts: Stmt[] = [];
  constructor(
    readonly ctx: Context,
    readonly env: number[],
    readonly depth: number,
  ) {}

  shape(id: number): number[] {
    return this.ctx.shapes[id];
  }
  bound(id: number): number {
    return this.ctx.bounds[id];
  }
  /** The k-th most recent value in scope. */
  recent(k: number): number {
    return this.env[this.env.length - 1 - (k % this.env.length)];
  }
  emit(make: (out: number) => Stmt, shape: number[], bound: number): number {
    const out = this.ctx.fresh(shape, bound);
    this.stmts.push(make(out));
    this.env.push(out);
    return out;
  }
  unary(op: UnaryOp, x: number): number {
    return this.emit(
      (out) => ({ kind: 'unary', op, x, out }),
      this.shape(x),
      unaryBound(op, this.bound(x)),
    );
  }
  /** tanh(x) when a result would exceed LIMIT (keeps finite differences meaningful). */
  guarded(bound: number, x: number, make: () => number): number {
    return bound > LIMIT ? this.unary('tanh', x) : make();
  }
  /** A value of `target`'s shape from `v`: v itself, or target + mean(v). */
  fit(target: number, v: number, maxBound: number): number {
    let r = v;
    if (!sameShape(this.shape(v), this.shape(target))) {
      const all = this.shape(v).map((_, i) => i);
      const m = this.emit(
        (out) => ({ kind: 'reduce', op: 'mean', x: v, axes: all, keepdims: false, out }),
        [],
        this.bound(v),
      );
      r = this.emit(
        (out) => ({ kind: 'binary', op: 'add', x: target, y: m, out }),
        this.shape(target),
        this.bound(target) + this.bound(m),
      );
    }
    return this.bound(r) > maxBound ? this.unary('tanh', r) : r;
  }
  /** A value small enough to be stacked `times` times (else its mean). */
  stackable(v: number, times: number): number {
    if (sizeOf(this.shape(v)) * times <= MAX_SIZE) return v;
    const all = this.shape(v).map((_, i) => i);
    return this.emit(
      (out) => ({ kind: 'reduce', op: 'mean', x: v, axes: all, keepdims: false, out }),
      [],
      this.bound(v),
    );
  }

  gene(g: Gene): void {
    if (this.ctx.budget <= 0) return;
    this.ctx.budget--;
    let kind = kindOf(g.op);
    const { smooth, allowWhile } = this.ctx.options;
    if (CONTROL.has(kind) && this.depth === 0) kind = 'unary';
    if ((kind === 'where' || kind === 'logical') && smooth) kind = 'binary';
    if (kind === 'predicate' && smooth) kind = 'unary';
    if (kind === 'while' && !allowWhile) kind = 'fori';
    const x = this.recent(g.a);
    const xs = this.shape(x);
    const rank = xs.length;
    switch (kind) {
      case 'unary': {
        const ops = smooth ? SMOOTH_UNARY : UNARY_OPS;
        let op = ops[g.c % ops.length];
        if (op === 'exp' && this.bound(x) > 5) op = 'expTanh';
        this.unary(op, x);
        return;
      }
      case 'binary': {
        const ops = smooth ? SMOOTH_BINARY : BINARY_OPS;
        const op = ops[g.c % ops.length];
        const cands = this.env.filter((id) => {
          const s = broadcastOrNull(xs, this.shape(id));
          return s !== null && sizeOf(s) <= MAX_SIZE;
        });
        const y = cands[cands.length - 1 - (g.b % cands.length)];
        const bound = binaryBound(op, this.bound(x), this.bound(y));
        const shape = broadcastOrNull(xs, this.shape(y)) as number[];
        this.guarded(bound, x, () =>
          this.emit((out) => ({ kind: 'binary', op, x, y, out }), shape, bound),
        );
        return;
      }
      case 'integerPow': {
        const n = g.c % 4;
        const bound = this.bound(x) ** n;
        this.guarded(bound, x, () =>
          this.emit((out) => ({ kind: 'integerPow', x, n, out }), xs, bound),
        );
        return;
      }
      case 'reduce': {
        const ops: ReduceOp[] = smooth ? ['sum', 'mean'] : ['sum', 'mean', 'max', 'min'];
        const op = ops[g.b % ops.length];
        const axes = xs.map((_, i) => i).filter((i) => (mix(g.c, i) & 1) === 1);
        const keepdims = (g.c & 1) === 1;
        const count = sizeOf(axes.map((i) => xs[i]));
        const bound = op === 'sum' ? this.bound(x) * count : this.bound(x);
        const shape = keepdims
          ? xs.map((d, i) => (axes.includes(i) ? 1 : d))
          : xs.filter((_, i) => !axes.includes(i));
        this.guarded(bound, x, () =>
          this.emit((out) => ({ kind: 'reduce', op, x, axes, keepdims, out }), shape, bound),
        );
        return;
      }
      case 'axis': {
        if (rank === 0) return void this.unary('sin', x);
        const ops: AxisOp[] = smooth
          ? ['softmax', 'logSoftmax', 'logSumExp']
          : ['softmax', 'logSoftmax', 'logSumExp', 'argmaxOneHot', 'argminOneHot', 'argsort'];
        const op = ops[g.b % ops.length];
        const axis = g.c % rank;
        const n = xs[axis];
        const reduced = xs.filter((_, i) => i !== axis);
        const [shape, bound] =
          op === 'logSumExp'
            ? [reduced, this.bound(x) + Math.log(n)]
            : op === 'logSoftmax'
              ? [xs, 2 * this.bound(x) + Math.log(n)]
              : op === 'argsort'
                ? [xs, n]
                : op === 'softmax'
                  ? [xs, 1]
                  : [[...reduced, n], 1];
        if (sizeOf(shape) > MAX_SIZE) return void this.unary('sin', x);
        this.emit((out) => ({ kind: 'axis', op, x, axis, out }), shape, bound);
        return;
      }
      case 'matmul': {
        const fits = this.env.filter((id) => {
          const s = matmulShape(xs, this.shape(id));
          return s !== null && sizeOf(s) <= MAX_SIZE;
        });
        let y: number;
        if (fits.length > 0) y = fits[fits.length - 1 - (g.b % fits.length)];
        else if (rank >= 2) {
          const perm = xs.map((_, i) => i);
          [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
          y = this.emit(
            (out) => ({ kind: 'transpose', x, perm, out }),
            perm.map((p) => xs[p]),
            this.bound(x),
          );
        } else return void this.unary('cos', x);
        const shape = matmulShape(xs, this.shape(y));
        if (shape === null || sizeOf(shape) > MAX_SIZE) return void this.unary('cos', x);
        const bound = this.bound(x) * this.bound(y) * xs[rank - 1];
        this.guarded(bound, x, () =>
          this.emit((out) => ({ kind: 'matmul', x, y, out }), shape, bound),
        );
        return;
      }
      case 'dotGeneral': {
        if (rank === 0) return void this.unary('tanh', x);
        const i = g.c % rank;
        const partners = this.env.filter((id) => this.shape(id).includes(xs[i]));
        const y = partners[partners.length - 1 - (g.b % partners.length)];
        const ys = this.shape(y);
        const j = ys.indexOf(xs[i]);
        // A shared leading axis becomes a batch axis when neither operand contracts it.
        const batched = i > 0 && j > 0 && xs[0] === ys[0] && (mix(g.c, 9) & 1) === 1;
        const b = batched ? [0] : [];
        const free = (s: number[], c: number) => s.filter((_, k) => k !== c && !b.includes(k));
        const shape = [...b.map(() => xs[0]), ...free(xs, i), ...free(ys, j)];
        if (sizeOf(shape) > MAX_SIZE) return void this.unary('tanh', x);
        const dims = { lhsContracting: [i], rhsContracting: [j], lhsBatch: b, rhsBatch: b };
        const bound = this.bound(x) * this.bound(y) * xs[i];
        this.guarded(bound, x, () =>
          this.emit((out) => ({ kind: 'dotGeneral', x, y, dims, out }), shape, bound),
        );
        return;
      }
      case 'reshape': {
        const size = sizeOf(xs);
        const choice = g.c % 3;
        const shape =
          choice === 0 || rank < 2
            ? choice === 1
              ? [1, ...xs]
              : [size]
            : choice === 1
              ? [...xs.slice(0, 1), 1, ...xs.slice(1)]
              : [xs[0] * xs[1], ...xs.slice(2)];
        this.emit((out) => ({ kind: 'reshape', x, shape, out }), shape, this.bound(x));
        return;
      }
      case 'transpose': {
        const perm = permutation(g.c, rank);
        this.emit(
          (out) => ({ kind: 'transpose', x, perm, out }),
          perm.map((p) => xs[p]),
          this.bound(x),
        );
        return;
      }
      case 'slice': {
        if (rank === 0) return void this.unary('neg', x);
        const starts = xs.map((d, k) => mix(g.c, k) % d);
        const limits = xs.map((d, k) => starts[k] + 1 + (mix(g.c, k, 1) % (d - starts[k])));
        const steps = xs.map((_, k) => 1 + (mix(g.c, k, 2) % 2));
        const shape = xs.map((_, k) => Math.ceil((limits[k] - starts[k]) / steps[k]));
        this.emit(
          (out) => ({ kind: 'slice', x, starts, limits, steps, out }),
          shape,
          this.bound(x),
        );
        return;
      }
      case 'concat': {
        if (rank === 0) return void this.unary('logistic', x);
        const axis = g.c % rank;
        const fits = this.env.filter((id) => {
          const s = this.shape(id);
          return s.length === rank && s.every((d, k) => k === axis || d === xs[k]);
        });
        const y = fits[fits.length - 1 - (g.b % fits.length)];
        const shape = xs.map((d, k) => (k === axis ? d + this.shape(y)[k] : d));
        if (sizeOf(shape) > MAX_SIZE) return void this.unary('logistic', x);
        this.emit(
          (out) => ({ kind: 'concat', xs: [x, y], axis, out }),
          shape,
          Math.max(this.bound(x), this.bound(y)),
        );
        return;
      }
      case 'broadcast': {
        const k = 1 + (g.c % 3);
        const shape = [k, ...xs.map((d, i) => (d === 1 && (mix(g.c, i) & 1) === 1 ? 2 : d))];
        if (sizeOf(shape) > MAX_SIZE) return void this.unary('sin', x);
        this.emit((out) => ({ kind: 'broadcast', x, shape, out }), shape, this.bound(x));
        return;
      }
      case 'where': {
        const cands = this.env.filter((id) => {
          const s = broadcastOrNull(xs, this.shape(id));
          return s !== null && sizeOf(s) <= MAX_SIZE;
        });
        const y = cands[cands.length - 1 - (g.b % cands.length)];
        const cmp = COMPARISONS[g.c % COMPARISONS.length];
        // Either where(cmp(x, y), x, y) (a max-like kink) or where(cmp(x, 0), y, x).
        const againstZero = (mix(g.c) & 1) === 1;
        const shape = broadcastOrNull(xs, this.shape(y)) as number[];
        this.emit(
          (out) =>
            againstZero
              ? { kind: 'where', cmp, p: x, q: -1, x: y, y: x, out }
              : { kind: 'where', cmp, p: x, q: y, x, y, out },
          shape,
          Math.max(this.bound(x), this.bound(y)),
        );
        return;
      }
      case 'take': {
        if (rank === 0) return void this.unary('cos', x);
        const axis = g.c % rank;
        const n = 1 + (mix(g.c, 7) % 4);
        const indices = Array.from({ length: n }, (_, k) => mix(g.c, k, 3) % xs[axis]);
        const shape = xs.map((d, k) => (k === axis ? n : d));
        if (sizeOf(shape) > MAX_SIZE) return void this.unary('cos', x);
        this.emit((out) => ({ kind: 'take', x, indices, axis, out }), shape, this.bound(x));
        return;
      }
      case 'scatterAdd': {
        if (rank === 0) return void this.unary('tanh', x);
        const axis = g.c % rank;
        const size = 1 + (mix(g.c, 5) % 4);
        const indices = Array.from({ length: xs[axis] }, (_, k) => mix(g.c, k, 4) % size);
        const shape = xs.map((d, k) => (k === axis ? size : d));
        if (sizeOf(shape) > MAX_SIZE) return void this.unary('tanh', x);
        this.emit(
          (out) => ({ kind: 'scatterAdd', x, indices, size, axis, out }),
          shape,
          this.bound(x) * xs[axis],
        );
        return;
      }
      case 'iotaAdd': {
        if (rank === 0) return void this.unary('sin', x);
        const dim = g.c % rank;
        this.emit((out) => ({ kind: 'iotaAdd', x, dim, out }), xs, this.bound(x) + xs[dim]);
        return;
      }
      case 'constant': {
        // Half the constants repeat one value (jit folds those into literals).
        const splat = (g.b & 1) === 1;
        const values = Array.from(
          { length: sizeOf(xs) },
          (_, k) => ((mix(g.c, splat ? 0 : k, 6) % 401) - 200) / 100,
        );
        this.emit((out) => ({ kind: 'constant', shape: xs, values, out }), xs, 2);
        return;
      }
      case 'flip': {
        if (rank === 0) return void this.unary('neg', x);
        const chosen = xs.map((_, i) => i).filter((i) => (mix(g.c, i, 8) & 1) === 1);
        const axes = chosen.length === 0 ? null : chosen;
        this.emit((out) => ({ kind: 'flip', x, axes, out }), xs, this.bound(x));
        return;
      }
      case 'dynamicSlice': {
        if (rank === 0) return void this.unary('sin', x);
        const sizes = xs.map((d, k) => 1 + (mix(g.c, k, 10) % d));
        const starts = this.starts(g, xs);
        this.emit((out) => ({ kind: 'dynamicSlice', x, starts, sizes, out }), sizes, this.bound(x));
        return;
      }
      case 'dynamicUpdateSlice': {
        if (rank === 0) return void this.unary('cos', x);
        // Any value of x's rank that fits inside it (x itself is a full-window update).
        const fits = this.env.filter((id) => {
          const s = this.shape(id);
          return s.length === rank && s.every((d, k) => d <= xs[k]);
        });
        const update = fits[fits.length - 1 - (g.b % fits.length)];
        const starts = this.starts(g, xs);
        this.emit(
          (out) => ({ kind: 'dynamicUpdateSlice', x, update, starts, out }),
          xs,
          Math.max(this.bound(x), this.bound(update)),
        );
        return;
      }
      case 'predicate': {
        const op = PREDICATES[g.c % PREDICATES.length];
        this.emit((out) => ({ kind: 'predicate', op, x, out }), xs, 1);
        return;
      }
      case 'logical': {
        const op = LOGICAL_OPS[g.c % LOGICAL_OPS.length];
        const cands = this.env.filter((id) => {
          const s = broadcastOrNull(xs, this.shape(id));
          return s !== null && sizeOf(s) <= MAX_SIZE;
        });
        const y = op === 'not' ? x : cands[cands.length - 1 - (g.b % cands.length)];
        const shape = broadcastOrNull(xs, this.shape(y)) as number[];
        this.emit((out) => ({ kind: 'logical', op, x, y, out }), shape, 1);
        return;
      }
      default:
        this.control(kind, g, x);
    }
  }

  /**
   * Window starts for an operand of shape `xs`: literals from 2 below to 2 past the axis (so
   * clamping happens), and in non-smooth programs some traced from a value in scope (starts
   * that jump with the data would break finite differences).
   */
  starts(g: Gene, xs: number[]): Start[] {
    return xs.map((d, k) => {
      const literal = (mix(g.c, k, 11) % (d + 4)) - 2;
      if (this.ctx.options.smooth || (mix(g.c, k, 12) & 1) === 0) return literal;
      return { from: this.recent(g.b + k), offset: (mix(g.c, k, 13) % 5) - 2 };
    });
  }

  /** A nested block over `params` (fresh ids with the given shapes and bounds). */
  block(genes: Gene[], params: [number[], number][]): BlockBuilder {
    const ids = params.map(([s, b]) => this.ctx.fresh(s, b));
    const inner = new BlockBuilder(this.ctx, [...this.env, ...ids], this.depth - 1);
    for (const g of genes) inner.gene(g);
    return inner;
  }

  finish(inner: BlockBuilder, params: number[], results: number[]): Block {
    return { params, stmts: inner.stmts, results };
  }

  control(kind: Kind, g: Gene, a: number): void {
    const b = this.recent(g.b);
    const args: Pair = [a, b];
    const loopBound = (id: number) => Math.max(4, this.bound(id));
    const pairOut = (bounds: [number, number]): Pair => [
      this.ctx.fresh(this.shape(a), bounds[0]),
      this.ctx.fresh(this.shape(b), bounds[1]),
    ];
    switch (kind) {
      case 'scan': {
        const stacked = this.env.filter((id) => {
          const s = this.shape(id);
          return s.length >= 1 && s[0] <= 4;
        });
        const useXs = stacked.length > 0 && g.c % 3 !== 0;
        const xsId = useXs ? stacked[stacked.length - 1 - (g.c % stacked.length)] : null;
        const length = xsId === null ? 1 + (g.c % 3) : this.shape(xsId)[0];
        const params: [number[], number][] = [
          [this.shape(a), loopBound(a)],
          [this.shape(b), loopBound(b)],
        ];
        if (xsId !== null) params.push([this.shape(xsId).slice(1), this.bound(xsId)]);
        const inner = this.block(g.body, params);
        const ids = inner.env.slice(this.env.length, this.env.length + params.length);
        const a2 = inner.fit(ids[0], inner.recent(0), loopBound(a));
        const b2 = inner.fit(ids[1], inner.recent(1 + (g.c % 2)), loopBound(b));
        const y = inner.stackable(inner.recent(0), length);
        const body = this.finish(inner, ids, [a2, b2, y]);
        const [oa, ob] = pairOut([loopBound(a), loopBound(b)]);
        const oy = this.ctx.fresh([length, ...this.shape(y)], this.bound(y));
        this.stmts.push({
          kind: 'scan',
          init: args,
          xs: xsId,
          length,
          reverse: (mix(g.c, 1) & 1) === 1,
          checkpoint: (mix(g.c, 2) & 1) === 1,
          unroll: 1 + (mix(g.c, 3) % 3),
          body,
          outs: [oa, ob, oy],
        });
        this.env.push(oa, ob, oy);
        return;
      }
      case 'cond':
      case 'switch': {
        const pred = this.recent(g.c);
        const branch = (genes: Gene[]) => {
          const inner = this.block(genes, [
            [this.shape(a), this.bound(a)],
            [this.shape(b), this.bound(b)],
          ]);
          const [pa, pb] = inner.env.slice(this.env.length, this.env.length + 2);
          const ra = inner.fit(pa, inner.recent(0), LIMIT);
          const rb = inner.fit(pb, inner.recent(1), LIMIT);
          return this.finish(inner, [pa, pb], [ra, rb]);
        };
        // switchCase gets two or three branches; the third reads the first's genes but one.
        const genes =
          kind === 'cond'
            ? [g.body, g.alt]
            : [g.body, g.alt, g.body.slice(1)].slice(0, 2 + (mix(g.c, 14) % 2));
        const branches = genes.map(branch);
        const bounds = [0, 1].map((k) =>
          Math.max(...branches.map((br) => this.bound(br.results[k]))),
        ) as [number, number];
        const outs = pairOut(bounds);
        if (kind === 'cond') {
          const [onTrue, onFalse] = branches;
          this.stmts.push({ kind: 'cond', pred, args, onTrue, onFalse, outs });
        } else this.stmts.push({ kind: 'switch', index: pred, args, branches, outs });
        this.env.push(...outs);
        return;
      }
      case 'while':
      case 'fori': {
        const trips = g.c % 4;
        const lead: [number[], number][] = kind === 'fori' ? [[[], Math.max(1, trips)]] : [];
        const inner = this.block(g.body, [
          ...lead,
          [this.shape(a), loopBound(a)],
          [this.shape(b), loopBound(b)],
        ]);
        const ids = inner.env.slice(this.env.length, this.env.length + lead.length + 2);
        const [pa, pb] = ids.slice(lead.length);
        const ra = inner.fit(pa, inner.recent(0), loopBound(a));
        const rb = inner.fit(pb, inner.recent(1), loopBound(b));
        const body = this.finish(inner, ids, [ra, rb]);
        const outs = pairOut([loopBound(a), loopBound(b)]);
        if (kind === 'while') this.ctx.hasWhile = true;
        this.stmts.push({ kind, trips, args, body, outs });
        this.env.push(...outs);
        return;
      }
      case 'checkpoint':
      case 'jit': {
        const inner = this.block(g.body, [
          [this.shape(a), this.bound(a)],
          [this.shape(b), this.bound(b)],
        ]);
        const [pa, pb] = inner.env.slice(this.env.length, this.env.length + 2);
        const ra = inner.fit(pa, inner.recent(0), LIMIT);
        const rb = inner.fit(pb, inner.recent(1), LIMIT);
        const body = this.finish(inner, [pa, pb], [ra, rb]);
        const outs = pairOut([this.bound(ra), this.bound(rb)]);
        this.stmts.push({ kind, args, body, outs });
        this.env.push(...outs);
        return;
      }
      case 'vmap': {
        const mappable = this.env.filter((id) => this.shape(id).length >= 1);
        if (mappable.length === 0) return void this.unary('tanh', a);
        const mapped = mappable[mappable.length - 1 - (g.a % mappable.length)];
        const ms = this.shape(mapped);
        const axis = g.c % ms.length;
        const batch = ms[axis];
        const inner = this.block(g.body, [
          [ms.filter((_, k) => k !== axis), this.bound(mapped)],
          [this.shape(b), this.bound(b)],
        ]);
        const ids = inner.env.slice(this.env.length, this.env.length + 2);
        const y = inner.stackable(inner.recent(0), batch);
        const body = this.finish(inner, ids, [y]);
        const out = this.ctx.fresh([batch, ...this.shape(y)], this.bound(y));
        this.stmts.push({ kind: 'vmap', mapped, axis, shared: b, body, out });
        this.env.push(out);
        return;
      }
    }
  }
}

/** The program a genome describes, for the given options. */
export function resolve(genome: Genome, options: ProgramOptions): Program {
  const ctx = new Context(options);
  const inputs = genome.inputs.map((s) => ctx.fresh(s, 2));
  const top = new BlockBuilder(ctx, [...inputs], DEPTH);
  for (const g of genome.genes) top.gene(g);
  const last = top.recent(0);
  const other = top.recent(1 + genome.output);
  // The same value may be returned twice, and an input may be returned as is.
  const results = [last, other];
  return {
    dtype: options.dtype,
    dataSeed: genome.dataSeed,
    inputs,
    shapes: ctx.shapes,
    body: { params: inputs, stmts: top.stmts, results },
    hasWhile: ctx.hasWhile,
  };
}
