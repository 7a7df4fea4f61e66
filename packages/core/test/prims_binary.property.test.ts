// Elementwise binary primitives with numpy broadcasting (add sub mul div pow max min), the six
// comparisons and select (`where`): gradients w.r.t. both operands, shape rule, reference values.
import { fc, test as property } from '@fast-check/vitest';
import {
  add,
  div,
  eq,
  ge,
  grad,
  gt,
  jvp,
  le,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  pow,
  select,
  sub,
  type Tensor,
  tensor,
  where,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  broadcastCase,
  broadcastCasesArb,
  broadcastShapesArb,
  broadcastSource,
  caseOfShapeArb,
  checkShapeRule,
  expectClose,
  expectTensor,
  gradCheck,
  gridCaseArb,
  readBroadcast,
  refBroadcastShape,
  refElementwise,
  sizeOf,
  type TensorCase,
  t64,
  tiedCaseArb,
  unravel,
  type ValueRange,
} from './arbitraries.js';

interface BinaryCase {
  name: string;
  f: (x: Tensor, y: Tensor) => Tensor;
  ref: (x: number, y: number) => number;
  ranges: [ValueRange, ValueRange];
}

const ANY: ValueRange = { min: -3, max: 3 };
const binary: BinaryCase[] = [
  { name: 'add', f: add, ref: (x, y) => x + y, ranges: [ANY, ANY] },
  { name: 'sub', f: sub, ref: (x, y) => x - y, ranges: [ANY, ANY] },
  { name: 'mul', f: mul, ref: (x, y) => x * y, ranges: [ANY, ANY] },
  // Divisors stay ≥ 0.2 in absolute value, away from the pole.
  {
    name: 'div',
    f: div,
    ref: (x, y) => x / y,
    ranges: [ANY, { min: -3, max: 3, awayFromZero: 0.2 }],
  },
  // Real power: positive bases.
  {
    name: 'pow',
    f: pow,
    ref: Math.pow,
    ranges: [
      { min: 0.2, max: 3 },
      { min: -2, max: 2 },
    ],
  },
];

describe.each(binary)('$name', ({ f, ref, ranges }) => {
  property.prop([broadcastCasesArb(ranges)], { numRuns: 20 })(
    'checkGrads w.r.t. both broadcast operands, order 2',
    ([a, b]) => {
      gradCheck(f, [t64(a), t64(b)], { order: 2 });
    },
  );

  property.prop([broadcastCasesArb(ranges)])(
    'shape rule agrees with impl; values match reference',
    ([a, b]) => {
      const out = checkShapeRule(f, [t64(a), t64(b)]);
      expectTensor(out, refElementwise(ref, [a, b]), 'float64', { rtol: 1e-14, atol: 1e-15 });
    },
  );

  property.prop([broadcastCasesArb(ranges)])(
    'gradients are reduced back to each operand shape',
    ([a, b]) => {
      const [ga, gb] = grad((x: Tensor, y: Tensor) => f(x, y).sum(), { argnums: [0, 1] })(
        t64(a),
        t64(b),
      );
      expect([...ga.shape]).toEqual(a.shape);
      expect([...gb.shape]).toEqual(b.shape);
    },
  );
});

describe('closed-form gradients under broadcasting', () => {
  // d/dx Σ x·y = Σ over the broadcast copies of y (the transpose of broadcasting is a sum).
  property.prop([broadcastCasesArb([ANY, ANY])])(
    'grad of sum(x*y) w.r.t. x sums y over broadcast axes',
    ([a, b]) => {
      const [ga, gb] = grad((x: Tensor, y: Tensor) => mul(x, y).sum(), { argnums: [0, 1] })(
        t64(a),
        t64(b),
      );
      const shape = refBroadcastShape(a.shape, b.shape);
      const expectA = new Array<number>(sizeOf(a.shape)).fill(0);
      const expectB = new Array<number>(sizeOf(b.shape)).fill(0);
      for (let i = 0; i < sizeOf(shape); i++) {
        const idx = unravel(i, shape);
        const flatA = broadcastSource(a, idx);
        const flatB = broadcastSource(b, idx);
        expectA[flatA] += readBroadcast(b, idx);
        expectB[flatB] += readBroadcast(a, idx);
      }
      expectClose(ga.data(), expectA, { rtol: 1e-13, atol: 1e-13 });
      expectClose(gb.data(), expectB, { rtol: 1e-13, atol: 1e-13 });
    },
  );

  property.prop([broadcastCasesArb([ANY, { min: -3, max: 3, awayFromZero: 0.2 }])])(
    'div: ∂/∂x = 1/y, ∂/∂y = −x/y² (same-shape operands)',
    ([a, b]) => {
      const shape = refBroadcastShape(a.shape, b.shape);
      const x = broadcastCase(a, shape);
      const y = broadcastCase(b, shape);
      const [gx, gy] = grad((p: Tensor, q: Tensor) => div(p, q).sum(), { argnums: [0, 1] })(
        t64(x),
        t64(y),
      );
      expectClose(
        gx.data(),
        y.data.map((v) => 1 / v),
        { rtol: 1e-13 },
      );
      expectClose(
        gy.data(),
        x.data.map((u, i) => -u / y.data[i] ** 2),
        { rtol: 1e-13, atol: 1e-15 },
      );
    },
  );

  property.prop([
    broadcastCasesArb([
      { min: 0.2, max: 3 },
      { min: -2, max: 2 },
    ]),
  ])('pow: ∂/∂x = y·x^(y−1), ∂/∂y = log(x)·x^y (same-shape operands)', ([a, b]) => {
    const shape = refBroadcastShape(a.shape, b.shape);
    const x = broadcastCase(a, shape);
    const y = broadcastCase(b, shape);
    const [gx, gy] = grad((p: Tensor, q: Tensor) => pow(p, q).sum(), { argnums: [0, 1] })(
      t64(x),
      t64(y),
    );
    expectClose(
      gx.data(),
      x.data.map((u, i) => y.data[i] * u ** (y.data[i] - 1)),
      { rtol: 1e-12 },
    );
    expectClose(
      gy.data(),
      x.data.map((u, i) => Math.log(u) * u ** y.data[i]),
      { rtol: 1e-12, atol: 1e-15 },
    );
  });

  test('pow at base 0 has a finite ∂/∂y (taken as 0) and the right value', () => {
    const x = tensor(new Float64Array([0, 0, 2]), { shape: [3] });
    const y = tensor(new Float64Array([2, 3, 2]), { shape: [3] });
    expect(Array.from(pow(x, y).data())).toEqual([0, 0, 4]);
    const gy = grad((q: Tensor) => pow(x, q).sum())(y);
    expectClose(gy.data(), [0, 0, Math.log(2) * 4], { rtol: 1e-14 });
  });
});

// max/min: operands from disjoint grids never tie, so the derivative is well defined.
const untiedPairArb = broadcastShapesArb(2).chain(([s, t]) =>
  fc.tuple(gridCaseArb(s, 0.25), gridCaseArb(t, 0.75)),
);

describe.each([
  { name: 'maximum', f: maximum, ref: Math.max },
  { name: 'minimum', f: minimum, ref: Math.min },
])('$name', ({ f, ref }) => {
  property.prop([untiedPairArb], { numRuns: 20 })(
    'checkGrads w.r.t. both operands away from ties, order 2',
    ([a, b]) => {
      gradCheck(f, [t64(a), t64(b)], { order: 2 });
      gradCheck(f, [t64(b), t64(a)], { order: 2 });
    },
  );

  property.prop([untiedPairArb])(
    'shape rule, values, and the gradient goes to the winner',
    ([a, b]) => {
      const out = checkShapeRule(f, [t64(a), t64(b)]);
      expectTensor(out, refElementwise(ref, [a, b]));
      const shape = refBroadcastShape(a.shape, b.shape);
      const x = broadcastCase(a, shape);
      const y = broadcastCase(b, shape);
      const gx = grad((p: Tensor) => f(p, t64(y)).sum())(t64(x));
      expectClose(
        gx.data(),
        x.data.map((u, i) => (ref(u, y.data[i]) === u ? 1 : 0)),
      );
    },
  );

  property.prop([tiedCaseArb([5])])('ties split the gradient evenly (0.5 each)', (c) => {
    const x = t64(c);
    const constant = t64(c);
    const g = grad((p: Tensor) => f(p, constant).sum())(x);
    expect(Array.from(g.data())).toEqual(c.data.map(() => 0.5));
  });
});

const comparisons = [
  { name: 'lt', f: lt, ref: (x: number, y: number) => x < y },
  { name: 'le', f: le, ref: (x: number, y: number) => x <= y },
  { name: 'gt', f: gt, ref: (x: number, y: number) => x > y },
  { name: 'ge', f: ge, ref: (x: number, y: number) => x >= y },
  { name: 'eq', f: eq, ref: (x: number, y: number) => x === y },
  { name: 'ne', f: ne, ref: (x: number, y: number) => x !== y },
];

// Integer-valued operands: plenty of exact ties, which is where comparisons differ.
const tiedPairArb = broadcastShapesArb(2).chain(([s, t]) =>
  fc.tuple(tiedCaseArb(s), tiedCaseArb(t)),
);

describe.each(comparisons)('$name', ({ f, ref }) => {
  property.prop([tiedPairArb])(
    'shape rule and values (bool output) match the JS operator',
    ([a, b]) => {
      const out = checkShapeRule(f, [t64(a), t64(b)]);
      expectTensor(
        out,
        refElementwise((x, y) => (ref(x, y) ? 1 : 0), [a, b]),
        'bool',
      );
    },
  );

  property.prop([untiedPairArb], { numRuns: 20 })(
    'no tangent flows through the predicate; grads through where(pred, x·y, x+y) check',
    ([a, b]) => {
      const x = t64(a);
      const y = t64(b);
      const [out, tangent] = jvp((p: Tensor, q: Tensor) => f(p, q), [x, y], [x, y]);
      expect(out.dtype).toBe('bool');
      expect(Array.from(tangent.data()).every((v) => v === 0)).toBe(true);
      gradCheck((p: Tensor, q: Tensor) => where(f(p, q), mul(p, q), add(p, q)), [x, y], {
        order: 2,
      });
    },
  );

  property.prop([tiedCaseArb([4]), fc.integer({ min: -2, max: 2 })])(
    'compares with a JS number (weakly typed)',
    (a, k) => {
      const out = f(t64(a), k);
      expect(out.dtype).toBe('bool');
      expect(Array.from(out.data())).toEqual(a.data.map((x) => (ref(x, k) ? 1 : 0)));
    },
  );
});

// select(pred, a, b): three broadcast-compatible operands, with a bool predicate.
const selectArb = broadcastShapesArb(3).chain(([sp, sa, sb]) =>
  fc.tuple(
    fc.array(fc.boolean(), { minLength: sizeOf(sp), maxLength: sizeOf(sp) }).map((bits) => ({
      shape: sp,
      data: bits.map((b) => (b ? 1 : 0)),
    })),
    caseOfShapeArb(sa),
    caseOfShapeArb(sb),
  ),
);

const boolTensor = (c: TensorCase) =>
  tensor(new Uint8Array(c.data), { shape: c.shape, dtype: 'bool' });

describe.each([
  { name: 'select', f: select },
  { name: 'where', f: where },
])('$name', ({ f }) => {
  property.prop([selectArb], { numRuns: 20 })(
    'checkGrads w.r.t. both branches, order 2',
    ([p, a, b]) => {
      const pred = boolTensor(p);
      gradCheck((x: Tensor, y: Tensor) => f(pred, x, y), [t64(a), t64(b)], { order: 2 });
    },
  );

  property.prop([selectArb])(
    'shape rule and values: picks onTrue where pred, with broadcasting',
    ([p, a, b]) => {
      const out = checkShapeRule((q, x, y) => f(q, x, y), [boolTensor(p), t64(a), t64(b)]);
      expectTensor(
        out,
        refElementwise((q, x, y) => (q ? x : y), [p, a, b]),
      );
    },
  );

  property.prop([selectArb])('the gradient flows only into the picked branch', ([p, a, b]) => {
    const pred = boolTensor(p);
    const [ga, gb] = grad((x: Tensor, y: Tensor) => f(pred, x, y).sum(), { argnums: [0, 1] })(
      t64(a),
      t64(b),
    );
    const shape = refBroadcastShape(p.shape, a.shape, b.shape);
    const expectA = new Array<number>(sizeOf(a.shape)).fill(0);
    const expectB = new Array<number>(sizeOf(b.shape)).fill(0);
    for (let i = 0; i < sizeOf(shape); i++) {
      const idx = unravel(i, shape);
      if (readBroadcast(p, idx)) expectA[broadcastSource(a, idx)] += 1;
      else expectB[broadcastSource(b, idx)] += 1;
    }
    expect(Array.from(ga.data())).toEqual(expectA);
    expect(Array.from(gb.data())).toEqual(expectB);
  });
});

describe('weak typing of JS numbers', () => {
  property.prop([caseOfShapeArb([3]), fc.double({ min: -3, max: 3, noNaN: true })])(
    'float64 tensor op JS number stays float64 and is exact',
    (a, k) => {
      const x = t64(a);
      expect(add(x, k).dtype).toBe('float64');
      expectClose(
        add(x, k).data(),
        a.data.map((v) => v + k),
        { rtol: 0, atol: 0 },
      );
      expectClose(
        mul(k, x).data(),
        a.data.map((v) => k * v),
        { rtol: 0, atol: 0 },
      );
      expectClose(
        sub(k, x).data(),
        a.data.map((v) => k - v),
        { rtol: 0, atol: 0 },
      );
    },
  );

  const int32Arb = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  property.prop([fc.array(fc.tuple(int32Arb, int32Arb), { minLength: 1, maxLength: 8 })])(
    'int32 add/sub/mul wrap exactly like two’s-complement arithmetic (products beyond 2^53 too)',
    (pairs) => {
      const x = tensor(
        pairs.map((p) => p[0]),
        { dtype: 'int32' },
      );
      const y = tensor(
        pairs.map((p) => p[1]),
        { dtype: 'int32' },
      );
      expect(Array.from(mul(x, y).data())).toEqual(pairs.map(([a, b]) => Math.imul(a, b)));
      expect(Array.from(add(x, y).data())).toEqual(pairs.map(([a, b]) => (a + b) | 0));
      expect(Array.from(sub(x, y).data())).toEqual(pairs.map(([a, b]) => (a - b) | 0));
    },
  );

  test('int32 + float64 promotes to float64; int32 / int32 truncates', () => {
    const i = tensor([7, -7], { dtype: 'int32' });
    const f = tensor(new Float64Array([0.5, 0.5]));
    expect(add(i, f).dtype).toBe('float64');
    expect(Array.from(add(i, f).data())).toEqual([7.5, -6.5]);
    const q = div(i, tensor([2, 2], { dtype: 'int32' }));
    expect(q.dtype).toBe('int32');
    expect(Array.from(q.data())).toEqual([3, -3]);
  });
});
