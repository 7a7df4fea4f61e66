// convert_element_type (`astype`), iota, stop_gradient, argsort and the random primitives.
import { fc, test as property } from '@fast-check/vitest';
import {
  argsort,
  astype,
  exp,
  grad,
  iota,
  jvp,
  makeJaxpr,
  mean,
  random,
  sin,
  stopGradient,
  type Tensor,
  take,
  tensor,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  alongAxis,
  caseOfShapeArb,
  checkShapeRule,
  distinctCaseArb,
  expectClose,
  expectTensor,
  gradCheck,
  range,
  shapeArb,
  sizeOf,
  type TensorCase,
  t64,
  tensorCaseArb,
  tiedCaseArb,
  unravel,
} from './arbitraries.js';

describe('convert_element_type (astype)', () => {
  const wide = { min: -1e3, max: 1e3 };

  property.prop([
    tensorCaseArb(wide),
    fc.constantFrom('float32' as const, 'int32' as const, 'bool' as const),
  ])('shape rule and values: fround, truncation toward zero, non-zero is true', (c, dtype) => {
    const ref = { float32: Math.fround, int32: Math.trunc, bool: (v: number) => (v !== 0 ? 1 : 0) }[
      dtype
    ];
    const out = checkShapeRule((x) => astype(x, dtype), [t64(c)]);
    expectTensor(out, { shape: c.shape, data: c.data.map(ref) }, dtype, { rtol: 0, atol: 0 });
  });

  property.prop([tensorCaseArb({ min: -3, max: 3 })], { numRuns: 20 })(
    'float64 → float32 → float64 is differentiable (checkGrads at float32 precision, order 2)',
    (c) => {
      gradCheck((x: Tensor) => astype(astype(x, 'float32'), 'float64'), [t64(c)], {
        order: 2,
        eps: 1e-2,
        rtol: 1e-4,
        atol: 1e-4,
      });
      const g = grad((x: Tensor) => astype(x, 'float32').mul(2).astype('float64').sum())(t64(c));
      expect(g.dtype).toBe('float64');
      expect(Array.from(g.data())).toEqual(c.data.map(() => 2));
    },
  );

  property.prop([tensorCaseArb({ min: -3, max: 3 })], { numRuns: 20 })(
    'float32 → float64 is exact and checkGrads passes with a float32 input',
    (c) => {
      const x32 = tensor(new Float32Array(c.data), { shape: c.shape });
      gradCheck((x: Tensor) => exp(astype(x, 'float64')), [x32], { order: 2 });
      expect(Array.from(astype(x32, 'float64').data())).toEqual(c.data.map(Math.fround));
    },
  );

  property.prop([tensorCaseArb({ min: -3, max: 3 })])(
    'through int32 or bool the tangent is zero',
    (c) => {
      const x = t64(c);
      const g = grad((a: Tensor) => astype(astype(a, 'int32'), 'float64').mul(a).sum())(x);
      expectClose(g.data(), c.data.map(Math.trunc));
      const [, t] = jvp((a: Tensor) => astype(a, 'bool'), [x], [x]);
      expect(t.dtype).toBe('bool');
      expect(Array.from(t.data()).every((v) => v === 0)).toBe(true);
    },
  );
});

describe('iota', () => {
  const iotaArb = shapeArb({ minRank: 1 }).chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.integer({ min: -shape.length, max: shape.length - 1 }),
      fc.constantFrom('int32' as const, 'float64' as const, 'float32' as const),
    ),
  );

  property.prop([iotaArb])(
    'shape rule (traced with no inputs) and values count along the dimension',
    ([shape, dim, dtype]) => {
      const d = dim < 0 ? dim + shape.length : dim;
      const eager = iota(shape, dim, dtype);
      const prog = makeJaxpr(() => iota(shape, dim, dtype))();
      const aval = prog.closed.jaxpr.outs[0].aval;
      expect([...aval.shape]).toEqual(shape);
      expect(aval.dtype).toBe(dtype);
      expect(prog.closed.jaxpr.eqns.map((e) => e.prim.name)).toEqual(['iota']);
      expectTensor(
        eager,
        { shape, data: range(sizeOf(shape)).map((i) => unravel(i, shape)[d]) },
        dtype,
        {
          rtol: 0,
          atol: 0,
        },
      );
    },
  );

  property.prop([iotaArb.chain(([shape, dim]) => caseOfShapeArb(shape).map((c) => ({ c, dim })))], {
    numRuns: 20,
  })('iota is a constant for differentiation: grad of Σ x·sin(iota) is sin(iota)', ({ c, dim }) => {
    const f = (x: Tensor) => x.mul(sin(iota(c.shape, dim, 'float64'))).sum();
    gradCheck(f, [t64(c)], { order: 2 });
    const g = grad(f)(t64(c));
    expectClose(g.data(), sin(iota(c.shape, dim, 'float64')).data(), { rtol: 0, atol: 0 });
  });
});

describe('stop_gradient', () => {
  property.prop([tensorCaseArb()])('shape rule and identity values', (c) => {
    const out = checkShapeRule((x) => stopGradient(x), [t64(c)]);
    expectTensor(out, c, 'float64', { rtol: 0, atol: 0 });
  });

  property.prop([tensorCaseArb()], { numRuns: 20 })(
    'blocks derivatives: d/dx Σ x·sg(x) = x, jvp tangent 0',
    (c) => {
      const x = t64(c);
      const g = grad((a: Tensor) => a.mul(stopGradient(a)).sum())(x);
      expectClose(g.data(), c.data, { rtol: 0, atol: 0 });
      const [, t] = jvp((a: Tensor) => stopGradient(a), [x], [x]);
      expect(Array.from(t.data()).every((v) => v === 0)).toBe(true);
      // Where the stopped value cancels out mathematically (the log-sum-exp shift), the gradient
      // still agrees with finite differences of the whole function.
      const lse = (a: Tensor) => {
        const m = stopGradient(a.max());
        return a.sub(m).exp().sum().log().add(m);
      };
      gradCheck(lse, [x], { order: 2 });
    },
  );

  property.prop([tensorCaseArb()])(
    'second derivative through stop_gradient: d²/dx² Σ x²·sg(x) = 2·x',
    (c) => {
      const x = t64(c);
      const gg = grad((a: Tensor) =>
        grad((b: Tensor) => b.mul(b).mul(stopGradient(b)).sum())(a).sum(),
      )(x);
      expectClose(
        gg.data(),
        c.data.map((v) => 2 * v),
        { rtol: 1e-15, atol: 0 },
      );
    },
  );
});

describe('argsort', () => {
  const argsortArb = shapeArb({ minRank: 1, maxRank: 3 }).chain((shape) =>
    fc.tuple(tiedCaseArb(shape), fc.integer({ min: -shape.length, max: shape.length - 1 })),
  );

  // A stable ascending sort of each fiber along the axis.
  const refArgsort = (c: TensorCase, axis: number): number[] =>
    alongAxis(c, axis, (xs) => range(xs.length).sort((p, q) => xs[p] - xs[q] || p - q)).data;

  property.prop([argsortArb])(
    'shape rule and values: a stable ascending sort along the axis',
    ([c, axis]) => {
      const out = checkShapeRule((x) => argsort(x, axis), [t64(c)]);
      expectTensor(out, { shape: c.shape, data: refArgsort(c, axis) }, 'int32', {
        rtol: 0,
        atol: 0,
      });
    },
  );

  property.prop([argsortArb])(
    'int32 result has no tangent; sorting via take is differentiable',
    ([c, axis]) => {
      const x = t64(c);
      const [, t] = jvp((a: Tensor) => argsort(a, axis), [x], [x]);
      expect(t.dtype).toBe('int32');
      expect(Array.from(t.data()).every((v) => v === 0)).toBe(true);
      if (c.shape.length === 1) {
        const sorted = (a: Tensor) => a.take(argsort(a));
        expect(Array.from(sorted(x).data())).toEqual([...c.data].sort((p, q) => p - q));
        const g = grad((a: Tensor) =>
          sorted(a)
            .mul(tensor(new Float64Array(range(c.data.length))))
            .sum(),
        )(x);
        // d/dx_i Σ_j j · x[perm[j]] = rank of x_i
        const rank = new Array<number>(c.data.length);
        refArgsort(c, 0).forEach((src, j) => {
          rank[src] = j;
        });
        expect(Array.from(g.data())).toEqual(rank);
      }
    },
  );

  property.prop(
    [
      shapeArb({ minRank: 1, maxRank: 3 }).chain((shape) =>
        fc.tuple(distinctCaseArb(shape), fc.integer({ min: -shape.length, max: shape.length - 1 })),
      ),
    ],
    { numRuns: 20 },
  )('checkGrads of a sort along any axis, take(x, argsort(x)), order 2', ([c, axis]) => {
    gradCheck((a: Tensor) => take(a, argsort(a, axis), axis), [t64(c)], { order: 2 });
  });

  test('NaN sorts last', () => {
    const x = tensor(new Float64Array([3, Number.NaN, -1, 2]));
    expect(Array.from(argsort(x).data())).toEqual([2, 3, 0, 1]);
  });
});

describe('random', () => {
  const seedArb = fc.integer({ min: 0, max: 2 ** 40 });

  property.prop([seedArb, shapeArb({ maxRank: 3 })])(
    'same key gives the same numbers; the key is not mutated',
    (seed, shape) => {
      const k = random.key(seed);
      const before = Array.from(k.data());
      const a = random.uniform(k, shape);
      const b = random.uniform(random.key(seed), shape);
      expect(Array.from(a.data())).toEqual(Array.from(b.data()));
      expect(Array.from(random.normal(k, shape).data())).toEqual(
        Array.from(random.normal(k, shape).data()),
      );
      expect(Array.from(k.data())).toEqual(before);
    },
  );

  property.prop([seedArb, fc.integer({ min: 2, max: 5 })])(
    'split keys differ from each other and from the parent',
    (seed, n) => {
      const k = random.key(seed);
      const keys = random.split(k, n);
      expect(keys).toHaveLength(n);
      const words = [k, ...keys].map((key) => Array.from(key.data()).join(','));
      expect(new Set(words).size).toBe(n + 1);
      for (const key of keys) {
        expect(key.dtype).toBe('int32');
        expect([...key.shape]).toEqual([2]);
      }
      const draws = keys.map((key) => Array.from(random.uniform(key, [8]).data()).join(','));
      expect(new Set(draws).size).toBe(n);
    },
  );

  property.prop([seedArb, shapeArb(), fc.constantFrom('float32' as const, 'float64' as const)])(
    'uniform lies in [0, 1) with the requested shape/dtype; the shape rule agrees',
    (seed, shape, dtype) => {
      const k = random.key(seed);
      const u = checkShapeRule((key) => random.uniform(key, shape, { dtype }), [k]);
      expect([...u.shape]).toEqual(shape);
      expect(u.dtype).toBe(dtype);
      for (const v of u.data()) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(1);
      }
      const scaled = random.uniform(k, shape, { minval: -2, maxval: 3, dtype });
      for (const v of scaled.data()) {
        expect(v).toBeGreaterThanOrEqual(-2);
        expect(v).toBeLessThan(3);
      }
      const bits = checkShapeRule((key) => random.bits(key, shape), [k]);
      expect(bits.dtype).toBe('int32');
      const z = checkShapeRule((key) => random.normal(key, shape, { dtype }), [k]);
      expect([...z.shape]).toEqual(shape);
      expect(Array.from(z.data()).every(Number.isFinite)).toBe(true);
    },
  );

  property.prop([fc.integer({ min: 0, max: 1000 })], { numRuns: 3 })(
    'normal: 20k samples have mean ≈ 0 and std ≈ 1 (and uniform mean ≈ 1/2)',
    (seed) => {
      const [k1, k2] = random.split(random.key(seed));
      const z = random.normal(k1, [20000], { dtype: 'float64' });
      const data = Array.from(z.data());
      const m = data.reduce((s, v) => s + v, 0) / data.length;
      const sd = Math.sqrt(data.reduce((s, v) => s + (v - m) ** 2, 0) / data.length);
      // Standard errors: 1/√20000 ≈ 0.007 for the mean, ≈ 0.005 for the std.
      expect(Math.abs(m)).toBeLessThan(0.03);
      expect(Math.abs(sd - 1)).toBeLessThan(0.03);
      expect(data.every(Number.isFinite)).toBe(true);
      const within1 = data.filter((v) => Math.abs(v) < 1).length / data.length;
      expect(Math.abs(within1 - 0.6827)).toBeLessThan(0.02);
      const u = mean(random.uniform(k2, [20000], { dtype: 'float64' })).item();
      expect(Math.abs(u - 0.5)).toBeLessThan(0.01);
      const shifted = random.normal(k1, [20000], { dtype: 'float64', mean: 3, std: 2 });
      expectClose(
        shifted.data(),
        data.map((v) => v * 2 + 3),
        { rtol: 1e-12, atol: 1e-12 },
      );
    },
  );

  property.prop([seedArb, fc.integer({ min: 1, max: 30 })])(
    'permutation is a permutation of 0..n-1',
    (seed, n) => {
      const p = random.permutation(random.key(seed), n);
      expect(Array.from(p.data()).sort((a, b) => a - b)).toEqual(range(n));
    },
  );

  property.prop([seedArb])(
    'random draws have no tangent under grad (they are constants)',
    (seed) => {
      const k = random.key(seed);
      const x = t64({ shape: [4], data: [1, 2, 3, 4] });
      const g = grad((a: Tensor) => a.mul(random.normal(k, [4], { dtype: 'float64' })).sum())(x);
      expect(Array.from(g.data())).toEqual(
        Array.from(random.normal(k, [4], { dtype: 'float64' }).data()),
      );
    },
  );
});
