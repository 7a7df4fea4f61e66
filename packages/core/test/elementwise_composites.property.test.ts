// erf, variance/std, logAddExp and the activations gelu, silu, elu, leakyRelu: values against
// independent formulas, gradients against float64 finite differences (checkGrads) and closed
// forms, edge points (ties, infinities, kinks) and the errors their bad arguments raise.
import { fc, test } from '@fast-check/vitest';
import {
  elu,
  erf,
  gelu,
  grad,
  InvalidArgumentError,
  leakyRelu,
  logAddExp,
  ShapeError,
  silu,
  std,
  type Tensor,
  tensor,
  variance,
  vmap,
} from '@loom/core';
import { describe, expect, it } from 'vitest';
import {
  type AxisSpec,
  axisSpecArb,
  broadcastCasesArb,
  checkShapeRule,
  expectClose,
  expectTensor,
  gradCheck,
  refElementwise,
  refReduce,
  resolveAxes,
  shapeArb,
  sizeOf,
  type TensorCase,
  t64,
  tensorCaseArb,
} from './arbitraries.js';
import { expectError } from './expect_error.js';

/** erf by its Maclaurin series in float64 (fine to ~1e-13 for |x| ≤ 3 despite cancellation). */
function seriesErf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const normalPdf = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
const normalCdf = (x: number) => 0.5 * (1 + seriesErf(x / Math.SQRT2));
const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const tanhGelu = (x: number) =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

describe('erf', () => {
  test.prop([tensorCaseArb({ min: -3, max: 3 })])('values match the series', (c) => {
    const out = checkShapeRule(erf, [t64(c)]);
    expectTensor(out, refElementwise(seriesErf, [c]), 'float64', { rtol: 1e-12, atol: 1e-13 });
    const x32 = tensor(c.data, { shape: c.shape, dtype: 'float32' });
    const want32 = refElementwise((v) => Math.fround(seriesErf(Math.fround(v))), [c]);
    expectTensor(erf(x32), want32, 'float32', { rtol: 1e-7, atol: 1e-7 });
  });

  test.prop([tensorCaseArb({ min: -2.5, max: 2.5 })], { numRuns: 20 })(
    'checkGrads to second order; grad is 2/√π·e^(−x²)',
    (c) => {
      gradCheck(erf, [t64(c)], { order: 2 });
      const g = grad((x: Tensor) => erf(x).sum())(t64(c));
      const df = (x: number) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
      expectTensor(g, refElementwise(df, [c]), 'float64', { rtol: 1e-14, atol: 1e-15 });
    },
  );

  it('is odd, saturates, and promotes integers to float32', () => {
    const x = tensor(new Float64Array([-Infinity, -10, 0, 10, Infinity]));
    expect(Array.from(erf(x).data())).toEqual([-1, -1, 0, 1, 1]);
    const i = erf(tensor([1, -2], { dtype: 'int32' }));
    expect(i.dtype).toBe('float32');
    expectClose(i.data(), [0.8427007929497149, -0.9953222650189527], { rtol: 1e-7 });
  });
});

describe('variance and std', () => {
  const caseWithAxesArb = tensorCaseArb({ min: -3, max: 3 }, { minRank: 1 }).chain((c) =>
    fc.tuple(fc.constant(c), axisSpecArb(c.shape.length), fc.boolean(), fc.constantFrom(0, 1, 0.5)),
  );
  /** The reduced element count N for these axes. */
  const countOf = (c: TensorCase, axes: number[]) => axes.reduce((n, a) => n * c.shape[a], 1);
  const axisArg = (spec: AxisSpec) => (spec === null ? undefined : spec);

  function refVariance(c: TensorCase, axes: number[], keepdims: boolean, ddof: number) {
    const n = countOf(c, axes);
    const means = refReduce(c, axes, 0, (a, x) => a + x / n, true);
    const squares = {
      shape: c.shape,
      data: c.data.map((x, flat) => {
        const idx = c.shape.map(
          (_, d) => Math.floor(flat / c.shape.slice(d + 1).reduce((p, q) => p * q, 1)) % c.shape[d],
        );
        const m =
          means.data[idx.reduce((o, i, d) => o * means.shape[d] + (axes.includes(d) ? 0 : i), 0)];
        return (x - m) ** 2;
      }),
    };
    const total = refReduce(squares, axes, 0, (a, x) => a + x, keepdims);
    return { shape: total.shape, data: total.data.map((s) => s / (n - ddof)) };
  }

  test.prop([caseWithAxesArb])('values match a two-pass reference', ([c, spec, keepdims, ddof]) => {
    const axes = resolveAxes(spec, c.shape.length);
    fc.pre(countOf(c, axes) - ddof > 0);
    const want = refVariance(c, axes, keepdims, ddof);
    const options = { keepdims, ddof };
    const out = checkShapeRule((x) => variance(x, axisArg(spec), options), [t64(c)]);
    expectTensor(out, want, 'float64', { rtol: 1e-12, atol: 1e-13 });
    const s = std(t64(c), axisArg(spec), options);
    expectTensor(s, { ...want, data: want.data.map(Math.sqrt) }, 'float64', {
      rtol: 1e-12,
      atol: 1e-12,
    });
  });

  test.prop([caseWithAxesArb], { numRuns: 20 })(
    'checkGrads (variance order 2, std order 1)',
    ([c, spec, keepdims, ddof]) => {
      const axes = resolveAxes(spec, c.shape.length);
      // std is not differentiable where the spread is 0: keep every group's values apart.
      const sorted = [...c.data].sort((p, q) => p - q);
      fc.pre(countOf(c, axes) >= 2 && sorted.every((v, i) => i === 0 || v - sorted[i - 1] > 0.05));
      const options = { keepdims, ddof };
      gradCheck((x: Tensor) => variance(x, axisArg(spec), options), [t64(c)], { order: 2 });
      gradCheck((x: Tensor) => std(x, axisArg(spec), options), [t64(c)]);
    },
  );

  test.prop([tensorCaseArb({ min: -3, max: 3 }, { minRank: 1 })])(
    'grad of the total variance is 2(x − mean)/(N − ddof)',
    (c) => {
      const n = c.data.length;
      fc.pre(n >= 2);
      const m = c.data.reduce((a, b) => a + b, 0) / n;
      const g = grad((x: Tensor) => variance(x, null, { ddof: 1 }))(t64(c));
      expectTensor(g, { shape: c.shape, data: c.data.map((x) => (2 * (x - m)) / (n - 1)) });
    },
  );

  it('is stable for a large mean and gives float32 for integers', () => {
    const x = tensor(new Float64Array([1e9 + 1, 1e9 + 2, 1e9 + 3]));
    expect(variance(x).item()).toBeCloseTo(2 / 3, 9);
    const i = variance(tensor([1, 2, 3, 4], { dtype: 'int32' }));
    expect(i.dtype).toBe('float32');
    expect(i.item()).toBeCloseTo(1.25, 6);
    expect(std(tensor([2, 4, 4, 4, 5, 5, 7, 9])).item()).toBeCloseTo(2, 6);
  });

  it('errors name the op, the shape, the axes and the offending option', () => {
    const x = tensor([[1, 2, 3]]);
    expectError(
      () => variance(x, 0, { ddof: 1 }),
      InvalidArgumentError,
      'variance: ddof 1 leaves no degrees of freedom',
      'axes [0] of shape [1, 3]',
      'covers 1 element',
      'ddof < 1',
    );
    expectError(() => std(x, 1, { ddof: Number.NaN }), InvalidArgumentError, 'std: ddof', 'NaN');
    expectError(
      () => variance(x, 1, { keepdim: true } as never),
      InvalidArgumentError,
      "variance: unknown option 'keepdim'",
      "did you mean 'keepdims'",
    );
    expectError(() => variance(x, 2), InvalidArgumentError, 'variance', 'axis 2');
  });
});

describe('logAddExp', () => {
  test.prop([
    broadcastCasesArb([
      { min: -30, max: 30 },
      { min: -30, max: 30 },
    ]),
  ])('values match log(eᵃ + eᵇ) with broadcasting', ([a, b]) => {
    const out = checkShapeRule(logAddExp, [t64(a), t64(b)]);
    const ref = (x: number, y: number) => Math.log(Math.exp(x) + Math.exp(y));
    expectTensor(out, refElementwise(ref, [a, b]), 'float64', { rtol: 1e-14, atol: 1e-14 });
  });

  test.prop(
    [
      broadcastCasesArb([
        { min: -5, max: 5 },
        { min: -5, max: 5 },
      ]),
    ],
    { numRuns: 20 },
  )('checkGrads to second order; gradients are the softmax weights', ([a, b]) => {
    gradCheck(logAddExp, [t64(a), t64(b)], { order: 2 });
    const ga = grad((x: Tensor, y: Tensor) => logAddExp(x, y).sum())(t64(a), t64(b));
    const ref = refElementwise((x, y) => logistic(x - y), [a, b]);
    // ga is summed back over a's broadcast axes; compare where a is not broadcast.
    if (sizeOf(a.shape) === sizeOf(ref.shape) && a.shape.length === ref.shape.length) {
      expectTensor(ga, ref, 'float64', { rtol: 1e-13, atol: 1e-15 });
    }
  });

  it('is exact at extremes, ties and infinities, and the limits as gradients', () => {
    const inf = Number.POSITIVE_INFINITY;
    const a = tensor(new Float64Array([1000, -1000, 0, inf, -inf, inf, -inf, 3, Number.NaN]));
    const b = tensor(new Float64Array([1000, -1000, -40, inf, -inf, -inf, 2, 3, 0]));
    const out = Array.from(logAddExp(a, b).data());
    expectClose(
      out,
      [
        1000 + Math.LN2,
        -1000 + Math.LN2,
        Math.log1p(Math.exp(-40)),
        inf,
        -inf,
        inf,
        2,
        3 + Math.LN2,
        Number.NaN,
      ],
      { rtol: 1e-15, atol: 0 },
    );
    const [ga, gb] = grad((x: Tensor, y: Tensor) => logAddExp(x, y).sum(), { argnums: [0, 1] })(
      a,
      b,
    );
    expectClose(ga.data(), [0.5, 0.5, logistic(40), 0.5, 0.5, 1, 0, 0.5, Number.NaN], {
      rtol: 1e-15,
      atol: 0,
    });
    expectClose(gb.data(), [0.5, 0.5, logistic(-40), 0.5, 0.5, 0, 1, 0.5, Number.NaN], {
      rtol: 1e-15,
      atol: 0,
    });
  });

  it('names itself when shapes do not broadcast', () => {
    expectError(() => logAddExp(tensor([1, 2]), tensor([1, 2, 3])), ShapeError, '[2]', '[3]');
  });
});

interface ActivationCase {
  name: string;
  f: (x: Tensor) => Tensor;
  ref: (x: number) => number;
  df: (x: number) => number;
  range: { min: number; max: number; awayFromZero?: number };
  order: number;
  /** Absolute tolerance of values (the exact gelu's reference loses digits to 1 + erf). */
  atol?: number;
}

const activations: ActivationCase[] = [
  {
    name: 'gelu (tanh approximation)',
    f: (x) => gelu(x),
    ref: tanhGelu,
    df: (x) => {
      const k = Math.sqrt(2 / Math.PI);
      const t = Math.tanh(k * (x + 0.044715 * x ** 3));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x);
    },
    range: { min: -5, max: 5 },
    order: 2,
  },
  {
    name: 'gelu (exact)',
    f: (x) => gelu(x, { approximate: false }),
    ref: (x) => x * normalCdf(x),
    df: (x) => normalCdf(x) + x * normalPdf(x),
    range: { min: -4, max: 4 },
    order: 2,
    atol: 1e-12,
  },
  {
    name: 'silu',
    f: silu,
    ref: (x) => x * logistic(x),
    df: (x) => logistic(x) * (1 + x * (1 - logistic(x))),
    range: { min: -8, max: 8 },
    order: 2,
  },
  {
    name: 'elu',
    f: (x) => elu(x),
    ref: (x) => (x > 0 ? x : Math.expm1(x)),
    df: (x) => (x > 0 ? 1 : Math.exp(x)),
    range: { min: -6, max: 4, awayFromZero: 0.05 },
    order: 2,
  },
  {
    name: 'elu (alpha 0.7)',
    f: (x) => elu(x, 0.7),
    ref: (x) => (x > 0 ? x : 0.7 * Math.expm1(x)),
    df: (x) => (x > 0 ? 1 : 0.7 * Math.exp(x)),
    range: { min: -6, max: 4, awayFromZero: 0.05 },
    order: 1,
  },
  {
    name: 'leakyRelu',
    f: (x) => leakyRelu(x),
    ref: (x) => (x >= 0 ? x : 0.01 * x),
    df: (x) => (x >= 0 ? 1 : 0.01),
    range: { min: -4, max: 4, awayFromZero: 0.05 },
    order: 2,
  },
  {
    name: 'leakyRelu (slope 0.2)',
    f: (x) => leakyRelu(x, 0.2),
    ref: (x) => (x >= 0 ? x : 0.2 * x),
    df: (x) => (x >= 0 ? 1 : 0.2),
    range: { min: -4, max: 4, awayFromZero: 0.05 },
    order: 1,
  },
];

describe.each(activations)('$name', ({ f, ref, df, range, order, atol = 1e-14 }) => {
  test.prop([tensorCaseArb(range)])('values and grad match closed forms', (c) => {
    const out = checkShapeRule(f, [t64(c)]);
    expectTensor(out, refElementwise(ref, [c]), 'float64', { rtol: 1e-12, atol });
    const g = grad((x: Tensor) => f(x).sum())(t64(c));
    expectTensor(g, refElementwise(df, [c]), 'float64', {
      rtol: 1e-11,
      atol: Math.max(atol, 1e-13),
    });
    const x32 = tensor(c.data, { shape: c.shape, dtype: 'float32' });
    const want32 = refElementwise((v) => ref(Math.fround(v)), [c]);
    expectTensor(f(x32), want32, 'float32', { rtol: 1e-5, atol: 1e-6 });
  });

  test.prop([tensorCaseArb(range)], { numRuns: 15 })('checkGrads (float64)', (c) => {
    gradCheck(f, [t64(c)], { order });
  });

  it('vmap equals the unbatched call (elementwise)', () => {
    const x = tensor(new Float64Array([-2, -0.5, 0, 0.5, 2, 3]), { shape: [3, 2] });
    const got = vmap(f, { inAxes: 1 })(x);
    expectClose(got.data(), f(x).transpose([1, 0]).data(), { rtol: 0, atol: 0 });
  });
});

describe('activations at their edges', () => {
  it('derivatives at 0 follow JAX: elu gives alpha, leakyRelu 1', () => {
    const zero = tensor(new Float64Array([0]));
    expect(grad((x: Tensor) => elu(x, 0.3).sum())(zero).item()).toBeCloseTo(0.3, 15);
    expect(grad((x: Tensor) => leakyRelu(x, 0.2).sum())(zero).item()).toBe(1);
    expect(grad((x: Tensor) => gelu(x).sum())(zero).item()).toBeCloseTo(0.5, 15);
    expect(grad((x: Tensor) => silu(x).sum())(zero).item()).toBeCloseTo(0.5, 15);
  });

  it('elu is accurate for tiny negatives and never NaN for large inputs', () => {
    const x = tensor(new Float32Array([-1e-6, -1e-3, -100, 100, 1e30]));
    expectClose(
      elu(x).data(),
      [-1e-6, Math.expm1(Math.fround(-1e-3)), -1, 100, Math.fround(1e30)],
      {
        rtol: 1e-6,
        atol: 0,
      },
    );
    const g = grad((v: Tensor) => elu(v).sum())(x);
    expect(Array.from(g.data()).every(Number.isFinite)).toBe(true);
  });

  test.prop([shapeArb({ maxRank: 2 })])('integer inputs compute in float32', (shape) => {
    const n = sizeOf(shape);
    const x = tensor(
      Array.from({ length: n }, (_, i) => i - 2),
      { shape, dtype: 'int32' },
    );
    for (const f of [gelu, silu, elu, leakyRelu] as ((t: Tensor) => Tensor)[]) {
      expect(f(x).dtype).toBe('float32');
    }
  });

  it('bad options are InvalidArgumentErrors naming the activation and the option', () => {
    const x = tensor([1, -1]);
    expectError(
      () => gelu(x, { approximate: 'yes' } as never),
      InvalidArgumentError,
      'gelu: approximate must be a boolean',
      'yes',
    );
    expectError(
      () => gelu(x, { approx: true } as never),
      InvalidArgumentError,
      "gelu: unknown option 'approx'",
    );
    expectError(() => elu(x, Number.NaN), InvalidArgumentError, 'elu: alpha', 'NaN');
    expectError(
      () => leakyRelu(x, Number.POSITIVE_INFINITY),
      InvalidArgumentError,
      'leakyRelu: negativeSlope',
      'Infinity',
    );
    expectError(
      () => silu('x' as unknown as Tensor),
      InvalidArgumentError,
      'silu: the operand is string',
    );
  });
});
