// vmap batching rules, one property per primitive: vmap(f, {inAxes})(xs) equals stacking f applied
// to each example (sliced out with take), for random batch sizes 1..4, random batch-axis
// positions (negative ones included), unbatched operands mixed in and a random output axis.
import { fc, test } from '@fast-check/vitest';
import {
  abs,
  add,
  argmax,
  argmin,
  argsort,
  astype,
  broadcastTo,
  concat,
  cos,
  type DType,
  div,
  dotGeneral,
  eq,
  exp,
  ge,
  gt,
  integerPow,
  iota,
  le,
  log,
  log1p,
  logistic,
  lt,
  matmul,
  max,
  maximum,
  min,
  minimum,
  mul,
  ne,
  neg,
  pow,
  random,
  reshape,
  rsqrt,
  scatterAdd,
  select,
  sign,
  sin,
  slice,
  sqrt,
  squeeze,
  stopGradient,
  sub,
  sum,
  type Tensor,
  take,
  tanh,
  tensor,
  transpose,
  vmap,
} from '@loom/core';
import { describe, expect } from 'vitest';
import { padPrim } from '../src/prims/pad.js';
import { bind1 } from '../src/trace/trace.js';
import { permutationArb } from './arbitraries.js';

type Shape = number[];

/** One operand of a case: its per-example shape and how its values are drawn. */
interface Operand {
  shape: Shape;
  dtype?: DType;
  /** Values in [lo, hi); ints when dtype is int32. */
  lo?: number;
  hi?: number;
  /** Keep values at least this far from 0 (divisors). */
  away?: number;
  /** Never batch this operand (e.g. a static-shaped helper). */
  shared?: boolean;
}

interface Case {
  operands: Operand[];
  f: (...xs: Tensor[]) => Tensor;
}

/** Deterministic values from a seed (a small LCG), so shrinking stays cheap. */
function values(n: number, seed: number, op: Operand): number[] {
  let s = (seed >>> 0) + 1;
  const lo = op.lo ?? -2;
  const hi = op.hi ?? 2;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    if (op.dtype === 'int32') return Math.floor(lo + u * (hi - lo));
    let v = lo + u * (hi - lo);
    if (op.away) v = v >= 0 ? v + op.away : v - op.away;
    return Math.round(v * 64) / 64;
  });
}

function build(shape: Shape, data: number[], dtype: DType): Tensor {
  return reshape(tensor(data, { dtype }), shape);
}

/** The b-th example of `x` along `axis`. */
function example(x: Tensor, axis: number, b: number): Tensor {
  return squeeze(take(x, tensor([b], { dtype: 'int32' }), axis), axis);
}

function expectSame(got: Tensor, want: Tensor, what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  expect(got.dtype, what).toBe(want.dtype);
  const g = got.data();
  const w = want.data();
  for (let i = 0; i < w.length; i++) {
    const ok =
      (Number.isNaN(g[i]) && Number.isNaN(w[i])) ||
      Math.abs(g[i] - w[i]) <= 1e-5 * (1 + Math.abs(w[i]));
    if (!ok) expect.fail(`${what}: element ${i} is ${g[i]}, expected ${w[i]}`);
  }
}

const settingsArb = (n: number) =>
  fc.record({
    size: fc.integer({ min: 1, max: 4 }),
    batched: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    axisPicks: fc.array(fc.nat(), { minLength: n, maxLength: n }),
    negative: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    outPick: fc.nat(),
    seed: fc.nat(),
  });

/** Runs the property for a case: vmap equals the per-example loop. */
interface Settings {
  size: number;
  batched: boolean[];
  axisPicks: number[];
  negative: boolean[];
  outPick: number;
  seed: number;
}

function checkCase(c: Case, s: Settings): void {
  const n = c.operands.length;
  const batched = c.operands.map((op, i) => !op.shared && s.batched[i]);
  const first = c.operands.findIndex((op) => !op.shared);
  if (!batched.some(Boolean)) batched[first] = true;
  const axes = c.operands.map((op, i) => {
    if (!batched[i]) return null;
    const a = s.axisPicks[i] % (op.shape.length + 1);
    return s.negative[i] ? a - (op.shape.length + 1) : a;
  });
  const args = c.operands.map((op, i) => {
    const shape = [...op.shape];
    const a = axes[i];
    if (a !== null) shape.splice(a < 0 ? a + op.shape.length + 1 : a, 0, s.size);
    const size = shape.reduce((p, d) => p * d, 1);
    return build(shape, values(size, s.seed + 7919 * i, op), op.dtype ?? 'float32');
  });
  const perExample = Array.from({ length: s.size }, (_, b) =>
    c.f(
      ...args.map((x, i) => {
        const a = axes[i];
        return a === null ? x : example(x, a < 0 ? a + x.ndim : a, b);
      }),
    ),
  );
  const outAxis = s.outPick % (perExample[0].ndim + 1);
  const got = vmap(c.f, { inAxes: axes, outAxes: outAxis })(...args);
  expect(got.ndim).toBe(perExample[0].ndim + 1);
  expect(got.shape[outAxis]).toBe(s.size);
  perExample.forEach((want, b) => {
    expectSame(example(got, outAxis, b), want, `example ${b} (inAxes ${JSON.stringify(axes)})`);
  });
  expect(n).toBe(args.length);
}

/** Registers a property for a case generator. */
function property(name: string, caseArb: fc.Arbitrary<Case>, numArity: number, numRuns = 25) {
  test.prop([caseArb, settingsArb(numArity)], { numRuns })(name, (c, s) => checkCase(c, s));
}

const shapeArb = (minRank = 0, maxRank = 3) =>
  fc.array(fc.integer({ min: 1, max: 3 }), { minLength: minRank, maxLength: maxRank });

/** Two shapes that broadcast together (some leading axes dropped, some set to 1). */
const broadcastPairArb = shapeArb(0, 3).chain((out) =>
  fc
    .tuple(
      fc.nat(out.length),
      fc.nat(out.length),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([d1, d2, ones]) => [out.slice(d1).map((d, i) => (ones[i + d1] ? 1 : d)), out.slice(d2)]),
);

const POS = { lo: 0.2, hi: 3 };

describe('vmap: unary elementwise primitives', () => {
  const unary: [string, (x: Tensor) => Tensor, Partial<Operand>?][] = [
    ['neg', neg],
    ['exp', exp],
    ['log', log, POS],
    ['log1p', log1p, POS],
    ['tanh', tanh],
    ['logistic', logistic],
    ['abs', abs],
    ['sign', sign],
    ['sqrt', sqrt, POS],
    ['rsqrt', rsqrt, POS],
    ['sin', sin],
    ['cos', cos],
    ['integer_pow', (x) => integerPow(x, 3)],
    ['stop_gradient', stopGradient],
    ['convert_element_type', (x) => astype(mul(x, 4), 'int32')],
  ];
  for (const [name, f, range] of unary) {
    property(
      name,
      shapeArb().map((shape) => ({ operands: [{ shape, ...range }], f })),
      1,
      15,
    );
  }
});

describe('vmap: binary elementwise primitives (with broadcasting)', () => {
  const binary: [string, (x: Tensor, y: Tensor) => Tensor, Partial<Operand>?, Partial<Operand>?][] =
    [
      ['add', add],
      ['sub', sub],
      ['mul', mul],
      ['div', div, {}, { away: 0.25 }],
      ['pow', pow, POS],
      ['max', maximum],
      ['min', minimum],
      ['lt', lt],
      ['le', le],
      ['gt', gt],
      ['ge', ge],
      [
        'eq',
        (x, y) => eq(x, y),
        { dtype: 'int32', lo: 0, hi: 2 },
        { dtype: 'int32', lo: 0, hi: 2 },
      ],
      ['ne', ne, { dtype: 'int32', lo: 0, hi: 2 }, { dtype: 'int32', lo: 0, hi: 2 }],
    ];
  for (const [name, f, r1, r2] of binary) {
    property(
      name,
      broadcastPairArb.map(([a, b]) => ({
        operands: [
          { shape: a, ...r1 },
          { shape: b, ...r2 },
        ],
        f,
      })),
      2,
      20,
    );
  }
  property(
    'select',
    broadcastPairArb.chain(([a, b]) =>
      fc.constantFrom(a, b).map((p) => ({
        operands: [{ shape: p }, { shape: a }, { shape: b }],
        f: (pr: Tensor, x: Tensor, y: Tensor) => select(gt(pr, 0), x, y),
      })),
    ),
    3,
  );
});

describe('vmap: reductions and index primitives', () => {
  const axisCase = (f: (x: Tensor, axis: number) => Tensor, minRank = 1) =>
    shapeArb(minRank, 3).chain((shape) =>
      fc.nat(shape.length - 1).map((axis) => ({
        operands: [{ shape }],
        f: (x: Tensor) => f(x, axis),
      })),
    );
  property(
    'reduce_sum',
    axisCase((x, a) => sum(x, a)),
    1,
  );
  property(
    'reduce_sum (all axes)',
    shapeArb(0, 3).map((shape) => ({ operands: [{ shape }], f: (x: Tensor) => sum(x) })),
    1,
  );
  property(
    'reduce_max',
    axisCase((x, a) => max(x, a)),
    1,
  );
  property(
    'reduce_min',
    axisCase((x, a) => min(x, a)),
    1,
  );
  property(
    'argmax',
    axisCase((x, a) => argmax(x, a)),
    1,
  );
  property(
    'argmin',
    axisCase((x, a) => argmin(x, a)),
    1,
  );
  property(
    'argsort',
    axisCase((x, a) => argsort(x, a)),
    1,
  );
});

describe('vmap: dot_general', () => {
  property(
    'matmul [m,k]·[k,n]',
    fc
      .tuple(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
      )
      .map(([m, k, n]) => ({
        operands: [{ shape: [m, k] }, { shape: [k, n] }],
        f: matmul,
      })),
    2,
  );
  property(
    'matrix-vector',
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).map(([m, k]) => ({
      operands: [{ shape: [m, k] }, { shape: [k] }],
      f: matmul,
    })),
    2,
  );
  property(
    'dot_general with batch and two contracting axes',
    fc
      .tuple(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
      )
      .map(([b, m, k]) => ({
        // lhs [k, b, m, k2], rhs [b, k2, k]: batch b, contract (k, k2).
        operands: [{ shape: [k, b, m, 2] }, { shape: [b, 2, k] }],
        f: (x: Tensor, y: Tensor) =>
          dotGeneral(x, y, {
            lhsContracting: [0, 3],
            rhsContracting: [2, 1],
            lhsBatch: [1],
            rhsBatch: [0],
          }),
      })),
    2,
  );
});

describe('vmap: layout primitives', () => {
  property(
    'reshape',
    fc
      .tuple(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
      )
      .map(([a, b, c]) => ({
        operands: [{ shape: [a, b, c] }],
        f: (x: Tensor) => reshape(x, [c, a * b]),
      })),
    1,
  );
  property(
    'broadcast_in_dim',
    shapeArb(0, 2).map((shape) => ({
      operands: [{ shape: shape.map((d, i) => (i === 0 ? 1 : d)) }],
      f: (x: Tensor) => broadcastTo(x, [2, ...shape.map((d) => (d === 1 ? 3 : d))]),
    })),
    1,
  );
  property(
    'transpose',
    shapeArb(1, 4).chain((shape) =>
      permutationArb(shape.length).map((perm) => ({
        operands: [{ shape }],
        f: (x: Tensor) => transpose(x, perm),
      })),
    ),
    1,
  );
  property(
    'slice',
    shapeArb(1, 3)
      .map((shape) => shape.map((d) => d + 2))
      .chain((shape) =>
        fc
          .tuple(
            ...shape.map((d) => fc.tuple(fc.nat(d - 1), fc.nat(d), fc.integer({ min: 1, max: 2 }))),
          )
          .map((wins) => {
            const starts = wins.map(([s]) => s);
            const limits = wins.map(([s, l], i) => Math.max(s, Math.min(shape[i], s + l)));
            const steps = wins.map(([, , st]) => st);
            return {
              operands: [{ shape }],
              f: (x: Tensor) => slice(x, starts, limits, steps),
            };
          }),
      ),
    1,
  );
  property(
    'pad',
    shapeArb(1, 3).chain((shape) =>
      fc
        .tuple(...shape.map(() => fc.tuple(fc.nat(2), fc.integer({ min: 1, max: 2 }), fc.nat(2))))
        .map((spec) => {
          const starts = spec.map(([s]) => s);
          const steps = spec.map(([, st]) => st);
          const out = shape.map((d, i) => starts[i] + (d - 1) * steps[i] + 1 + spec[i][2]);
          return {
            operands: [{ shape }],
            f: (x: Tensor) => bind1(padPrim, [x], { shape: out, starts, steps }),
          };
        }),
    ),
    1,
  );
  property(
    'concatenate',
    shapeArb(1, 3).chain((shape) =>
      fc.tuple(fc.nat(shape.length - 1), fc.integer({ min: 1, max: 3 })).map(([axis, extra]) => ({
        operands: [{ shape }, { shape: shape.map((d, i) => (i === axis ? extra : d)) }, { shape }],
        f: (x: Tensor, y: Tensor, z: Tensor) => concat([x, y, z], axis),
      })),
    ),
    3,
  );
  property(
    'iota (no operands, mixed with a batched one)',
    shapeArb(1, 3).chain((shape) =>
      fc.nat(shape.length - 1).map((dim) => ({
        operands: [{ shape }],
        f: (x: Tensor) => add(x, astype(iota(shape, dim), 'float32')),
      })),
    ),
    1,
  );
});

describe('vmap: gather and scatter_add', () => {
  property(
    'gather',
    fc.tuple(shapeArb(1, 3), shapeArb(0, 2)).chain(([shape, idxShape]) =>
      fc.nat(shape.length - 1).map((axis) => ({
        operands: [{ shape }, { shape: idxShape, dtype: 'int32' as DType, lo: 0, hi: shape[axis] }],
        f: (x: Tensor, i: Tensor) => take(x, i, axis),
      })),
    ),
    2,
    40,
  );
  property(
    'scatter_add',
    fc.tuple(shapeArb(1, 3), shapeArb(0, 2)).chain(([shape, idxShape]) =>
      fc.nat(shape.length - 1).map((axis) => ({
        operands: [
          { shape: [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)] },
          { shape: idxShape, dtype: 'int32' as DType, lo: 0, hi: shape[axis] },
        ],
        f: (u: Tensor, i: Tensor) => scatterAdd(u, i, shape, axis),
      })),
    ),
    2,
    40,
  );
});

describe('vmap: random primitives with batched keys', () => {
  property(
    'random_uniform',
    shapeArb(0, 2).map((shape) => ({
      operands: [{ shape: [2], dtype: 'int32' as DType, lo: -1000, hi: 1000 }],
      f: (k: Tensor) => random.uniform(k, shape),
    })),
    1,
    10,
  );
  property(
    'random_bits',
    shapeArb(0, 2).map((shape) => ({
      operands: [{ shape: [2], dtype: 'int32' as DType, lo: -1000, hi: 1000 }],
      f: (k: Tensor) => random.bits(k, shape),
    })),
    1,
    10,
  );
});
