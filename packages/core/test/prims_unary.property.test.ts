// Elementwise unary primitives: gradients (checkGrads, float64, fwd + rev, second order where
// smooth), shape rule vs implementation, and values against Math.* references.
import { fc, test } from '@fast-check/vitest';
import {
  abs,
  cos,
  exp,
  grad,
  integerPow,
  jvp,
  log,
  log1p,
  logistic,
  neg,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sqrt,
  type Tensor,
  tanh,
  tensor,
} from '@loom/core';
import { describe, expect } from 'vitest';
import {
  checkShapeRule,
  expectClose,
  expectTensor,
  gradCheck,
  refElementwise,
  t64,
  tensorCaseArb,
  type ValueRange,
} from './arbitraries.js';

interface UnaryCase {
  name: string;
  f: (x: Tensor) => Tensor;
  ref: (x: number) => number;
  range: ValueRange;
  /** Highest derivative order to check (2 where the function is smooth on `range`). */
  order: number;
}

const unary: UnaryCase[] = [
  { name: 'neg', f: neg, ref: (x) => -x, range: { min: -5, max: 5 }, order: 2 },
  { name: 'exp', f: exp, ref: Math.exp, range: { min: -3, max: 3 }, order: 2 },
  { name: 'log', f: log, ref: Math.log, range: { min: 0.1, max: 5 }, order: 2 },
  { name: 'log1p', f: log1p, ref: Math.log1p, range: { min: -0.5, max: 5 }, order: 2 },
  { name: 'tanh', f: tanh, ref: Math.tanh, range: { min: -3, max: 3 }, order: 2 },
  {
    name: 'logistic',
    f: logistic,
    ref: (x) => 1 / (1 + Math.exp(-x)),
    range: { min: -6, max: 6 },
    order: 2,
  },
  {
    name: 'sigmoid',
    f: sigmoid,
    ref: (x) => 1 / (1 + Math.exp(-x)),
    range: { min: -6, max: 6 },
    order: 2,
  },
  { name: 'sin', f: sin, ref: Math.sin, range: { min: -4, max: 4 }, order: 2 },
  { name: 'cos', f: cos, ref: Math.cos, range: { min: -4, max: 4 }, order: 2 },
  { name: 'sqrt', f: sqrt, ref: Math.sqrt, range: { min: 0.1, max: 5 }, order: 2 },
  { name: 'rsqrt', f: rsqrt, ref: (x) => 1 / Math.sqrt(x), range: { min: 0.1, max: 5 }, order: 2 },
  // Piecewise smooth: keep inputs away from the kink at 0 (then second derivatives are 0).
  { name: 'abs', f: abs, ref: Math.abs, range: { min: -4, max: 4, awayFromZero: 0.1 }, order: 2 },
  {
    name: 'sign',
    f: sign,
    ref: Math.sign,
    range: { min: -4, max: 4, awayFromZero: 0.1 },
    order: 2,
  },
];

describe.each(unary)('$name', ({ f, ref, range, order }) => {
  test.prop([tensorCaseArb(range)], { numRuns: 20 })('checkGrads fwd+rev (float64)', (c) => {
    gradCheck(f, [t64(c)], { order });
  });

  test.prop([tensorCaseArb(range)])('shape rule agrees with impl, values match reference', (c) => {
    const out = checkShapeRule(f, [t64(c)]);
    expectTensor(out, refElementwise(ref, [c]), 'float64', { rtol: 1e-14, atol: 1e-15 });
  });
});

describe('derivatives in closed form', () => {
  // checkGrads only compares against finite differences; these pin the derivatives themselves.
  const cases: {
    name: string;
    f: (x: Tensor) => Tensor;
    df: (x: number) => number;
    range: ValueRange;
  }[] = [
    { name: 'exp', f: exp, df: Math.exp, range: { min: -3, max: 3 } },
    { name: 'log', f: log, df: (x) => 1 / x, range: { min: 0.1, max: 5 } },
    { name: 'log1p', f: log1p, df: (x) => 1 / (1 + x), range: { min: -0.5, max: 5 } },
    { name: 'tanh', f: tanh, df: (x) => 1 - Math.tanh(x) ** 2, range: { min: -3, max: 3 } },
    {
      name: 'logistic',
      f: logistic,
      df: (x) => Math.exp(-x) / (1 + Math.exp(-x)) ** 2,
      range: { min: -6, max: 6 },
    },
    { name: 'sin', f: sin, df: Math.cos, range: { min: -4, max: 4 } },
    { name: 'cos', f: cos, df: (x) => -Math.sin(x), range: { min: -4, max: 4 } },
    { name: 'sqrt', f: sqrt, df: (x) => 0.5 / Math.sqrt(x), range: { min: 0.1, max: 5 } },
    { name: 'rsqrt', f: rsqrt, df: (x) => -0.5 * x ** -1.5, range: { min: 0.1, max: 5 } },
    { name: 'abs', f: abs, df: Math.sign, range: { min: -4, max: 4, awayFromZero: 0.1 } },
    { name: 'sign', f: sign, df: () => 0, range: { min: -4, max: 4, awayFromZero: 0.1 } },
    { name: 'neg', f: neg, df: () => -1, range: { min: -4, max: 4 } },
  ];
  describe.each(cases)('$name', ({ f, df, range }) => {
    test.prop([tensorCaseArb(range)])('grad of sum equals f′ elementwise', (c) => {
      const g = grad((x: Tensor) => f(x).sum())(t64(c));
      expectTensor(g, refElementwise(df, [c]), 'float64', { rtol: 1e-12, atol: 1e-14 });
    });
  });
});

describe('integer_pow', () => {
  const exponent = fc.integer({ min: -3, max: 4 });
  // Negative exponents are singular at 0: keep |x| ≥ 0.5 so second derivatives stay moderate.
  const base: ValueRange = { min: -2.5, max: 2.5, awayFromZero: 0.5 };

  test.prop([tensorCaseArb(base), exponent], { numRuns: 20 })(
    'checkGrads fwd+rev, order 2',
    (c, n) => {
      gradCheck((x: Tensor) => integerPow(x, n), [t64(c)], { order: 2 });
    },
  );

  test.prop([tensorCaseArb(base), exponent])(
    'shape rule and values (x ** n), derivative n·x^(n−1)',
    (c, n) => {
      const f = (x: Tensor) => integerPow(x, n);
      const out = checkShapeRule(f, [t64(c)]);
      expectTensor(
        out,
        refElementwise((x) => x ** n, [c]),
        'float64',
        { rtol: 1e-13, atol: 1e-15 },
      );
      const g = grad((x: Tensor) => integerPow(x, n).sum())(t64(c));
      expectTensor(
        g,
        refElementwise((x) => n * x ** (n - 1), [c]),
        'float64',
        { rtol: 1e-12, atol: 1e-14 },
      );
    },
  );

  test.prop([
    fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 8 }),
    fc.integer({ min: 0, max: 5 }),
  ])('int32 inputs stay int32 and are exact', (xs, n) => {
    const out = integerPow(tensor(xs, { dtype: 'int32' }), n);
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.data())).toEqual(xs.map((x) => (x ** n) | 0));
  });

  test.prop([
    fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 8 }),
    fc.integer({ min: 0, max: 9 }),
  ])('int32 powers wrap exactly (two’s complement), even beyond 2^53', (xs, n) => {
    const out = integerPow(tensor(xs, { dtype: 'int32' }), n);
    const wrapPow = (x: number) => {
      let r = 1;
      for (let i = 0; i < n; i++) r = Math.imul(r, x);
      return r;
    };
    expect(Array.from(out.data())).toEqual(xs.map(wrapPow));
  });
});

describe('unary edge behaviour', () => {
  test.prop([tensorCaseArb({ min: -3, max: 3 })])(
    'jvp of exp is exp(x)·t for a random tangent',
    (c) => {
      const x = t64(c);
      const t = t64({ shape: c.shape, data: c.data.map((v) => Math.sin(3 * v)) });
      const [y, dy] = jvp((a: Tensor) => exp(a), [x], [t]);
      expectClose(y.data(), c.data.map(Math.exp), { rtol: 1e-15 });
      expectClose(
        dy.data(),
        c.data.map((v) => Math.exp(v) * Math.sin(3 * v)),
        { rtol: 1e-14, atol: 1e-15 },
      );
    },
  );

  test.prop([fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 6 })])(
    'exp/log/tanh of int32 promote to float32; neg/abs/sign keep int32',
    (xs) => {
      const x = tensor(xs, { dtype: 'int32' });
      expect(exp(x).dtype).toBe('float32');
      expect(tanh(x).dtype).toBe('float32');
      expectClose(
        exp(x).data(),
        xs.map((v) => Math.fround(Math.exp(v))),
        { rtol: 1e-6 },
      );
      expect(neg(x).dtype).toBe('int32');
      expect(Array.from(abs(x).data())).toEqual(xs.map((v) => Math.abs(v)));
      expect(Array.from(sign(x).data())).toEqual(xs.map((v) => Math.sign(v)));
    },
  );

  test.prop([fc.integer({ min: -2, max: 2 })])(
    'abs and sign at exactly 0 have derivative 0',
    (k) => {
      const x = tensor(new Float64Array([0, k === 0 ? 1 : k]), { shape: [2] });
      const gAbs = grad((a: Tensor) => abs(a).sum())(x);
      expect(gAbs.data()[0]).toBe(0);
      const gSign = grad((a: Tensor) => sign(a).sum())(x);
      expect(Array.from(gSign.data())).toEqual([0, 0]);
    },
  );
});
